// Process entry of `npm start`: runs the CLI's `start` command (open the data dir, report what it
// holds and what it is doing) with any arguments given after `npm start --`. The CLI's own entry,
// for `sluice …`, is cli/main.ts via bin/sluice.js. This is the one place that may wire the broker
// and the dashboard together once they exist.
import { runProcess } from './cli/run-process.ts'

await runProcess(['start', ...process.argv.slice(2)])
