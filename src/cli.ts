/**
 * Command-line entry: turns argv into calls of the build and base modules.
 * Every failure ends as one line on stderr and an exit code (2 usage, 1 runtime).
 */
import { Argument, Command, CommanderError, Option } from 'commander';
import { RuntimeFailure, UsageError } from './errors.js';
import {
  APP_COMMANDS,
  OPTION_ALIASES,
  OPTION_SPECS,
  helpText,
  metavarText,
  resolveBuildOptions,
  takesOption,
  type BuildOptions,
  type OptionCommand,
  type OptionSpec,
} from './options.js';
import { packageVersion } from './paths.js';
import { SUITES, type Suite, defaultBaseTag } from './base.js';
import { runBuild } from './commands/build.js';
import { runConfig } from './commands/config.js';
import { runStartServer } from './commands/start-server.js';
import type { PublishOptions } from './server-container.js';
import { runSetupServer } from './commands/setup-server.js';
import { APACHECTL_ACTIONS, runApachectl } from './commands/apachectl.js';
import * as check from './validate.js';
import { MODULE_COMMANDS, runInstallModule, runModuleConfig, runModuleLocation } from './commands/module.js';
import { runToolchainList, runToolchainPrune } from './commands/toolchain.js';
import { runBaseBootstrap } from './commands/base-bootstrap.js';
import { runManifest, type ManifestArguments } from './commands/manifest.js';

/** Rewrites an alias (`--max-requests`, `--max-requests=5`) to its canonical flag. */
function canonicalFlag(token: string): string {
  const [flag, ...value] = token.split('=');
  const canonical = OPTION_ALIASES[flag];
  return canonical ? [canonical, ...value].join('=') : token;
}

/** Options with two values (`--url-alias URL PATH`) are taken out of argv before commander sees it. */
export function extractPairOptions(argv: string[]): { rest: string[]; pairs: Record<string, [string, string][]> } {
  const pairSpecs = OPTION_SPECS.filter((spec) => spec.kind === 'pair');
  const rest: string[] = [];
  const pairs: Record<string, [string, string][]> = {};
  for (let index = 0; index < argv.length; index += 1) {
    const token = canonicalFlag(argv[index]);
    if (token === '--') {
      rest.push(...argv.slice(index));
      break;
    }
    const spec = pairSpecs.find((candidate) => token === candidate.flag || token.startsWith(`${candidate.flag}=`));
    if (!spec) {
      rest.push(token);
      continue;
    }
    const values = token.includes('=') ? [token.slice(token.indexOf('=') + 1), argv[index + 1]] : [argv[index + 1], argv[index + 2]];
    if (values.some((value) => value === undefined || value.startsWith('--'))) {
      throw new UsageError(`${spec.flag} needs two values: ${metavarText(spec)}`);
    }
    pairs[spec.key] ??= [];
    pairs[spec.key].push(values as [string, string]);
    index += token.includes('=') ? 1 : 2;
  }
  return { rest, pairs };
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * The table's options for one command. On the APP commands an option of
 * another of them is registered hidden, so that resolveBuildOptions refuses
 * it naming the commands that take it rather than commander as unknown.
 * `skip`: keys the command defines its own way.
 */
function addBuildOptions(command: Command, name: OptionCommand, skip: string[] = []): Command {
  const added = new Set<string>();
  for (const spec of OPTION_SPECS) {
    if (skip.includes(spec.key)) continue; // defined by the command its own way (setup-server's host --server-root)
    const taken = takesOption(spec, name);
    const sibling = name !== 'module' && APP_COMMANDS.some((other) => takesOption(spec, other));
    if (!taken && !sibling) continue;
    command.addOption(taken ? commanderOption(spec) : commanderOption(spec).hideHelp());
    added.add(spec.key);
  }
  TABLE_OPTIONS.set(command, added);
  return command;
}

/** The table's options each command registered: a command's own option of the same name (setup-server's --server-root, install-module's --modules-directory) is not one of them. */
const TABLE_OPTIONS = new WeakMap<Command, Set<string>>();

/** APP: --entry-point wins over the argument, as with mod_wsgi-express. */
function appArgument(command: Command, options: BuildOptions): string {
  const app = options.entryPoint ?? command.args[0];
  if (app === undefined) throw new UsageError(`${command.name()}: give APP (a script, Django project, module or directory) or --entry-point`);
  return app;
}

function commanderOption(spec: OptionSpec): Option {
  const flags = spec.kind === 'flag' ? spec.flag : `${spec.flag} ${metavarText(spec)}`;
  const option = new Option(flags, helpText(spec));
  if (spec.repeatable && spec.kind !== 'pair') option.argParser<string[]>(collect);
  return option;
}

/** Commander's values keyed by the option table's keys (commander names them after the flag). */
export function optionValues(command: Command): Record<string, unknown> {
  const values = command.opts();
  const raw: Record<string, unknown> = {};
  const registered = TABLE_OPTIONS.get(command) ?? new Set<string>();
  for (const spec of OPTION_SPECS) {
    if (spec.kind === 'pair' || !registered.has(spec.key)) continue;
    const value = values[commanderOption(spec).attributeName()];
    if (value !== undefined) raw[spec.key] = value;
  }
  return raw;
}

/** Parses argv: the program, the subcommand invoked (if any), and the two-value options taken out first. */
/** Where the CLI writes: the process's streams, or a caller's (the unit tests run the CLI in-process). */
export interface CliOutput {
  out: (text: string) => void;
  err: (text: string) => void;
}

const PROCESS_OUTPUT: CliOutput = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
};

function parseCommandLine(argv: string[], output: CliOutput = PROCESS_OUTPUT) {
  const { rest, pairs } = extractPairOptions(argv);
  const program = buildProgram(output);
  program.parse(rest, { from: 'user' });
  const command = program.commands.find((candidate) => candidate.name() === program.args[0]);
  return { program, command, pairs };
}

/** Parses a build, config or start-server command line into the app argument and raw option values. */
export function parseBuildArgv(argv: string[]): { command: string; app: string; raw: Record<string, unknown> } {
  const { command, pairs } = parseCommandLine(argv);
  if (!command || !isAppCommand(command.name())) throw new UsageError(`expected one of ${APP_COMMANDS.join(', ')}`);
  const raw = { ...optionValues(command), ...pairs };
  return { command: command.name(), app: (raw.entryPoint as string | undefined) ?? command.args[0], raw };
}

const isAppCommand = (name: string): name is (typeof APP_COMMANDS)[number] => (APP_COMMANDS as readonly string[]).includes(name);

export function buildProgram(output: CliOutput = PROCESS_OUTPUT): Command {
  const program = new Command('mwe-image')
    .description('mod_wsgi-express for containers: compile mod_wsgi in a build container and bake a small Apache/mod_wsgi image')
    .version(packageVersion())
    .showSuggestionAfterError();

  const appCommand = (name: (typeof APP_COMMANDS)[number], description: string, skip: string[] = []): Command =>
    addBuildOptions(
      program
        .command(name)
        .description(description)
        .argument(
          '[APP]',
          'WSGI script file, Django project directory (with manage.py), Python module name (--application-type module) or directory (--application-type static); or --entry-point',
        ),
      name,
      skip,
    ).action(() => undefined);
  const build = appCommand('build', 'Build an image serving APP with Apache/mod_wsgi, configured as mod_wsgi-express would be for the same options');
  const config = appCommand('config', 'Print the Apache configuration build would generate for APP and these options (builds the toolchain if needed)');
  const publishOptions = (command: Command): Command =>
    command
      .option('--publish-host <IP-ADDRESS>', 'host interface the port is published on', '127.0.0.1')
      .option('--publish-port <NUMBER>', 'host port (default: the same as --port)')
      .option('--env <KEY=VALUE>', 'environment variable for the container (what --passenv reads); repeatable', collect)
      .option('--name <NAME>', "the container's name (default: from the tag, e.g. mwe-app-hello for mwe-app/hello:latest; setup-server adds -server)");
  const startServer = publishOptions(
    appCommand(
      'start-server',
      "Build APP when needed and run it in the foreground: port published, logs on this terminal, Ctrl-C stops it gracefully, the exit status is the server's",
    ),
  );
  const setupServer = publishOptions(
    appCommand(
      'setup-server',
      'Build APP when needed and write a server root (httpd.conf, envvars, apachectl) whose apachectl starts, stops and restarts it as a background container; re-run with new options to change them',
      ['serverRoot'],
    ),
  ).requiredOption('--server-root <DIRECTORY>', 'directory to write the server root to (created if missing; envvars in it is never overwritten)');
  const apachectl = program
    .command('apachectl')
    .description('Control the server of a server root written by setup-server (what its generated apachectl runs)')
    .requiredOption('--server-root <DIRECTORY>', 'the server root')
    .addArgument(new Argument('<ACTION>', 'what to do').choices([...APACHECTL_ACTIONS]))
    .action(() => undefined);

  const moduleCommands = [
    ['module-location', 'Export the mod_wsgi module built in the toolchain container to a host directory and print its path'],
    ['module-config', 'Export the module and print the LoadModule and WSGIPythonHome lines for a system Apache'],
    ['install-module', "Copy the module into the host Apache's modules directory and print the LoadModule and WSGIPythonHome lines"],
  ].map(([name, description]) => {
    const command = addBuildOptions(program.command(name).description(description), 'module');
    if (name === 'install-module') {
      command.option('--modules-directory <DIRECTORY>', 'host directory to install into (default: apxs -q LIBEXECDIR, else /usr/lib/apache2/modules)');
    } else {
      command.option('--output <DIRECTORY>', 'host directory the module is exported to', 'mwe-module');
    }
    return command.action(() => undefined);
  });

  const toolchain = program.command('toolchain').description('Manage toolchain images (one per base image and mod_wsgi source)');
  const prefixOption = (command: Command): Command => command.addOption(commanderOption(OPTION_SPECS.find((spec) => spec.key === 'toolchainPrefix')!));
  prefixOption(toolchain.command('list').description('List toolchain images with their Python, Apache and mod_wsgi versions, sizes and users')).action(
    () => undefined,
  );
  prefixOption(
    toolchain.command('prune').description('Remove toolchain images that no app image was built on').option('--dry-run', 'only print what would be removed'),
  ).action(() => undefined);

  const base = program.command('base').description('Manage base images');
  base
    .command('bootstrap')
    .description('Make a Debian base image locally with debootstrap (minbase) and import it, for machines that cannot pull')
    .addOption(new Option('--suite <SUITE>', 'Debian suite').choices([...SUITES]).default('trixie'))
    .option('--tag <NAME[:TAG]>', 'image name to create (default: debian:<suite>-slim, the name build uses)')
    .option('--mirror <URL>', 'Debian mirror', 'http://deb.debian.org/debian')
    .action(() => undefined);

  const manifest = program
    .command('manifest')
    .description(
      'Write a Kubernetes Deployment and Service (default) or a compose file for IMAGE, matched to its port, health checks and stop timing, with a restricted security context',
    )
    .argument('<IMAGE>', 'an image made by mwe-image build (name[:tag] or id)')
    .option('--kubernetes', 'a Deployment and a Service (the default)')
    .option('--compose', 'a compose file with one service, its port published on 127.0.0.1')
    .option('--name <NAME>', "name of the Deployment, Service and container, or of the compose service (default: from the image's title label)")
    .option('--replicas <NUMBER>', 'replicas of the Deployment (default: 2)')
    .option('--output <FILE>', 'file to write (default: standard output)')
    .action(() => undefined);

  for (const command of [
    program,
    build,
    config,
    startServer,
    setupServer,
    apachectl,
    manifest,
    base,
    toolchain,
    ...toolchain.commands,
    ...moduleCommands,
    ...base.commands,
  ]) {
    command.exitOverride().configureOutput({
      writeOut: output.out,
      writeErr: output.err,
      outputError: (text, write) => write(`mwe-image: ${text.replace(/^error: /, '')}`),
    });
  }
  return program;
}

/** start-server's own options, checked like the build options. */
export function parsePublishOptions(opts: { publishHost: string; publishPort?: string; env?: string[]; name?: string }): PublishOptions {
  check.ipAddress(opts.publishHost, '--publish-host');
  let publishPort: number | undefined;
  if (opts.publishPort !== undefined) {
    publishPort = Number(opts.publishPort);
    if (!/^\d+$/.test(opts.publishPort) || publishPort < 1 || publishPort > 65535) {
      throw new UsageError(`--publish-port: '${opts.publishPort}' is not a port; give a number from 1 to 65535`);
    }
  }
  for (const pair of opts.env ?? []) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*=/.test(pair)) throw new UsageError(`--env: '${pair}' is not KEY=VALUE`);
  }
  if (opts.name !== undefined) check.containerName(opts.name, '--name');
  return { publishHost: opts.publishHost, publishPort, env: opts.env ?? [], name: opts.name };
}

export async function main(argv: string[], output: CliOutput = PROCESS_OUTPUT): Promise<number> {
  const reportProgress = (line: string): void => output.err(`${line}\n`);
  try {
    const { program, command, pairs } = parseCommandLine(argv, output);
    const invoked = program.args[0];
    if (command && isAppCommand(invoked)) {
      const options = resolveBuildOptions({ ...optionValues(command), ...pairs }, invoked);
      const app = appArgument(command, options);
      if (invoked === 'start-server' || invoked === 'setup-server') {
        const opts = command.opts() as { publishHost: string; publishPort?: string; env?: string[]; name?: string; serverRoot?: string };
        const publish = parsePublishOptions(opts);
        if (invoked === 'start-server') return await runStartServer(app, options, publish, argv, reportProgress);
        check.singleLine(opts.serverRoot!, '--server-root');
        return await runSetupServer(app, options, opts.serverRoot!, publish, argv, reportProgress);
      }
      return await (invoked === 'build' ? runBuild : runConfig)(app, options, argv, reportProgress);
    }
    const moduleCommand = MODULE_COMMANDS.includes(invoked) ? command : undefined;
    if (moduleCommand) {
      const opts = moduleCommand.opts() as { output?: string; modulesDirectory?: string };
      const options = resolveBuildOptions({ ...optionValues(moduleCommand), ...pairs }, 'module');
      if (invoked === 'install-module') return await runInstallModule(options, opts.modulesDirectory, reportProgress);
      const run = invoked === 'module-location' ? runModuleLocation : runModuleConfig;
      return await run(options, opts.output!, reportProgress);
    }
    if (invoked === 'toolchain') {
      const toolchain = command!;
      const sub = toolchain.args[0];
      const subcommand = toolchain.commands.find((command) => command.name() === sub);
      const prefix = subcommand?.opts().toolchainPrefix as string | undefined;
      if (prefix !== undefined) check.repositoryPath(prefix, '--toolchain-prefix');
      if (sub === 'list') return await runToolchainList(prefix);
      if (sub === 'prune') return await runToolchainPrune(Boolean(subcommand!.opts().dryRun), prefix);
      toolchain.outputHelp();
      return 2;
    }
    if (Object.keys(pairs).length) {
      throw new UsageError(
        `${Object.keys(pairs)
          .map((key) => OPTION_SPECS.find((s) => s.key === key)!.flag)
          .join(', ')} is an option of ${APP_COMMANDS.join(', ')}`,
      );
    }
    if (invoked === 'manifest') {
      return await runManifest(command!.args[0], command!.opts() as ManifestArguments, reportProgress);
    }
    if (invoked === 'apachectl') {
      return await runApachectl((command!.opts() as { serverRoot: string }).serverRoot, command!.args[0]);
    }
    if (invoked === 'base') {
      const base = command!;
      const bootstrap = base.commands.find((command) => command.name() === 'bootstrap')!;
      if (base.args[0] !== 'bootstrap') {
        base.outputHelp();
        return 2;
      }
      const opts = bootstrap.opts() as { suite: Suite; tag?: string; mirror: string };
      return await runBaseBootstrap({ suite: opts.suite, tag: opts.tag ?? defaultBaseTag(opts.suite), mirror: opts.mirror }, reportProgress);
    }
    program.outputHelp();
    return 2;
  } catch (error) {
    return reportFailure(error, output);
  }
}

function reportFailure(error: unknown, output: CliOutput): number {
  if (error instanceof CommanderError) {
    const ok = ['commander.helpDisplayed', 'commander.version', 'commander.help'].includes(error.code);
    return ok ? 0 : 2;
  }
  if (error instanceof UsageError) {
    output.err(`mwe-image: ${error.message}\n`);
    return error.exitCode;
  }
  if (error instanceof RuntimeFailure) {
    if (error.detail) output.err(`${error.detail}\n`);
    output.err(`mwe-image: ${error.message}\n`);
    return error.exitCode;
  }
  const message = error instanceof Error ? error.message : String(error);
  output.err(`mwe-image: ${message.split('\n')[0]}\n`);
  return 1;
}
