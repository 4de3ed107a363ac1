// Process entry of `npm start`: runs the CLI's `start` command (open the data dir, report what it
// holds and what it is doing). The CLI's own entry, for `sluice …`, is cli/main.ts via bin/sluice.js.
// This is the one place that may wire the broker and dashboard together once they exist.
process.argv.splice(2, 0, 'start')
await import('./cli/main.ts')
