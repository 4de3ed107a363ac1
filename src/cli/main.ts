// Process entry of the `sluice` command: bin/sluice.js imports this module, which runs the CLI with
// the process's arguments (see run-process.ts for signals, exit codes and stdout draining).
import { runProcess } from './run-process.ts'

await runProcess(process.argv.slice(2))
