// The `sluice` command tree on commander: global options, the commands from commands/*.ts, and the
// error plumbing that keeps every failure to one stderr line (commander's usage errors included:
// its outputError hook is routed through oneLine). `runCli` is the testable entry; main.ts wires
// it to the process.
import { Command } from 'commander'
import { addGlobalOptions, globalOptions } from './context.ts'
import type { CliContext, CliEnvironment } from './context.ts'
import { EXIT_OK, oneLine, reportError } from './report-error.ts'
import { registerTopicCommands } from './commands/topic.ts'
import { registerProduceCommand } from './commands/produce.ts'
import { registerConsumeCommand } from './commands/consume.ts'
import { registerGroupCommands } from './commands/group.ts'
import { registerStartCommand } from './commands/start.ts'
import { registerClusterCommands } from './commands/cluster.ts'
import { registerStreamsCommands } from './commands/streams.ts'

/** A command's body: the context, then its positional arguments and options as commander parsed them. */
export type CommandBody = (ctx: CliContext, ...args: never[]) => Promise<void>

/** What commands/*.ts use to attach an action: builds the context from the parsed command. */
export type Actions = (body: CommandBody) => (...args: unknown[]) => Promise<void>

/** Builds the program; `environment` supplies the streams, env, clock and stop signal. */
export function buildProgram(environment: CliEnvironment): Command {
  const program = new Command('sluice')
    .description('Sluice: an embedded Kafka-model log, or any Kafka-protocol cluster with --brokers. Topics, produce, consume, consumer groups, streams apps.')
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => environment.stdout.write(s),
      writeErr: (s) => environment.stderr.write(s),
      outputError: (s, write) => write(`sluice: ${oneLine(s)}\n`),
    })

  addGlobalOptions(program)

  // commander passes (…positional args, options, command); the command is always last.
  const actions: Actions = (body) => async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command
    const ctx: CliContext = { ...environment, options: globalOptions(command) }
    await body(ctx, ...(args.slice(0, -1) as never[]))
  }

  registerTopicCommands(program, actions)
  registerProduceCommand(program, actions)
  registerConsumeCommand(program, actions)
  registerGroupCommands(program, actions)
  registerStartCommand(program, actions)
  registerClusterCommands(program, actions)
  registerStreamsCommands(program, actions)
  return program
}

/** Runs the CLI with `argv` (the arguments after `sluice`) and returns the process exit code. */
export async function runCli(argv: readonly string[], environment: CliEnvironment): Promise<number> {
  try {
    await buildProgram(environment).parseAsync([...argv], { from: 'user' })
    return EXIT_OK
  } catch (error) {
    return reportError(error, environment.stderr, environment.env)
  }
}
