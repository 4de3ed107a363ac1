#!/usr/bin/env node
// The `sluice` command: loads the TypeScript sources through tsx's loader and runs src/main.ts.
import { register } from 'tsx/esm/api'

register()
await import('../src/main.ts')
