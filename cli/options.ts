/**
 * The option layer shared by the `hekit` commands (commander 14): value parsers whose errors
 * name the option and say what is wrong, option definitions with their defaults shown in
 * `--help`, which options the user actually passed, and one-line usage errors (exit code 2).
 * A command file defines its options with `option(...)`, reads them with commander's `opts()`,
 * and refuses combinations with `given` and `refuse`.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';

/** Bad usage: the CLI prints `hekit: <message>` and exits with code 2. */
export class UsageError extends Error {}

/** Parses one option's text; throws UsageError naming the option. */
export type Parser<T> = (name: string, text: string) => T;

export const choice = <const T extends string>(...allowed: readonly T[]): Parser<T> => (name, text) => {
  if (!(allowed as readonly string[]).includes(text)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}; got "${text}"`);
  return text as T;
};

export const integer = (min: number, max: number): Parser<number> => (name, text) => {
  const n = Number(text);
  if (!/^-?\d+$/.test(text.trim()) || n < min || n > max) throw new UsageError(`--${name} must be an integer from ${min} to ${max}; got "${text}"`);
  return n;
};

export const powerOfTwo = (min: number, max: number): Parser<number> => (name, text) => {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max || (n & (n - 1)) !== 0) throw new UsageError(`--${name} must be a power of two from ${min} to ${max}; got "${text}"`);
  return n;
};

export const positiveNumber: Parser<number> = (name, text) => {
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n)) throw new UsageError(`--${name} must be a positive number; got "${text}", which is not a number`);
  if (!(n > 0)) throw new UsageError(`--${name} must be a positive number; got ${text}`);
  return n;
};

/** Either the word `word` itself or what `parse` accepts (commander turns a parsed null into "", so no null here). */
export const orWord = <const W extends string, T>(word: W, parse: Parser<T>): Parser<T | W> => (name, text) => {
  if (text === word) return word;
  try {
    return parse(name, text);
  } catch (e) {
    throw e instanceof UsageError ? new UsageError(e.message.replace(/; got /, ` or "${word}"; got `)) : e;
  }
};

/** A comma-separated list, each item parsed by `parse`. */
export const list = <T>(parse: Parser<T>): Parser<T[]> => (name, text) => text.split(',').map((item) => parse(name, item.trim()));

/** Any text but the empty string; `what` says what the option names ("a file name"). */
export const nonEmpty = (what: string): Parser<string> => (name, text) => {
  if (text === '') throw new UsageError(`--${name} needs ${what}; got ""`);
  return text;
};

/**
 * An option `--name <ARG>` (or a switch when `arg` is omitted) whose text `parse` checks.
 * `defaultValue` is what the command sees when the option is absent; `shown` is how --help shows it.
 */
export function option<T>(name: string, arg: string | null, description: string, parse: Parser<T> | null, defaultValue?: T, shown?: string): Option {
  const o = new Option(arg === null ? `--${name}` : `--${name} <${arg}>`, description);
  if (parse !== null) o.argParser((text: string) => parse(name, text));
  if (defaultValue !== undefined) o.default(defaultValue, shown ?? (typeof defaultValue === 'string' ? defaultValue : undefined));
  return o;
}

/** The options the user passed on the command line (not defaults), by their --long-name. */
export function given(cmd: Command): Set<string> {
  return new Set(cmd.options.map((o) => o.long!.slice(2)).filter((name) => cmd.getOptionValueSource(camel(name)) === 'cli'));
}

const camel = (name: string): string => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

/** Refuses option `name`, when the user passed it, unless `applies`: "--name applies to WHEN only (got WHY)". */
export function refuse(passed: ReadonlySet<string>, name: string, applies: boolean, when: string, why: string): void {
  if (passed.has(name) && !applies) throw new UsageError(`--${name} applies to ${when} only (got ${why})`);
}

/**
 * Commander set up for hekit's conventions: no output of its own for errors (the caller prints
 * one `hekit:` line), errors thrown instead of exiting, no excess arguments, help on `--help`.
 */
export function configure(cmd: Command): Command {
  return cmd
    .exitOverride()
    .configureOutput({ outputError: () => {} })
    .allowExcessArguments(false)
    .showSuggestionAfterError(true)
    .helpOption('-h, --help', 'show this help and exit');
}

/** Commander's error as a one-line UsageError ("error: unknown option '--x'\n(Did you mean --y?)" -> "unknown option '--x' (Did you mean --y?)"). */
export function usageErrorOf(e: CommanderError): UsageError {
  return new UsageError(e.message.replace(/^error: /, '').split('\n').map((l) => l.trim()).filter(Boolean).join(' '));
}

/** Parses `argv` (the command's own arguments) with `cmd`, made by `configure`; commander's errors become UsageErrors. */
export function parseWith(cmd: Command, argv: readonly string[]): Command {
  try {
    cmd.parse([...argv], { from: 'user' });
  } catch (e) {
    throw e instanceof CommanderError ? usageErrorOf(e) : e;
  }
  return cmd;
}

/** package.json's version, found from this module's own folder (works from source and from dist/cli). */
export function packageVersion(): string {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'hekit' && typeof pkg.version === 'string') return pkg.version;
    } catch {
      // no package.json here: look in the parent folder
    }
    if (dirname(dir) === dir) return 'unknown';
  }
}
