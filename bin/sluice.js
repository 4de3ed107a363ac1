#!/usr/bin/env node
// The `sluice` command: loads the TypeScript CLI through tsx's loader (Sluice ships its sources).
import { register } from 'tsx/esm/api'

register()
await import('../src/cli/main.ts')
