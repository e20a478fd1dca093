#!/usr/bin/env node
/** The `hekit` command. Exit codes: 0 done, 1 failure, 2 bad usage. */
import { analysisSummary, parseAnalyzeArgs, runAnalysis } from './analyze.js';
import { UsageError } from './options.js';
import { parseTrainArgs, progressBar, runTraining, summary } from './train.js';

const USAGE = 'usage: hekit train [--backend seal|sim|paired] [--circuit lowdepth|baseline] [--minibatches K] [--batch-size B] [--seed S] [--json]\n' +
  '                   [--noise off|track|inject] [--ring 8192|16384|32768] [--per-round K] [--scale-bits S|auto] [--precision-bits P] [--learning-rate A] [--workers W]\n' +
  '       hekit analyze [--circuit lowdepth|baseline] [--minibatches K] [--batch-size B] [--ring 8192|16384|32768] [--json]\n' +
  '                     [--svg FILE] [--dot FILE] [--graph FILE.json]';

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (command === 'analyze') {
    const args = parseAnalyzeArgs(rest);
    const report = runAnalysis(args);
    process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : `${analysisSummary(report)}\n`);
    return 0;
  }
  if (command !== 'train') throw new UsageError(command === undefined ? 'a command is required: train or analyze' : `unknown command "${command}"; the commands are train and analyze`);
  const args = parseTrainArgs(rest);
  const report = await runTraining(args, args.backend === 'sim' ? undefined : progressBar(process.stderr));
  process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : `${summary(report)}\n`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    if (e instanceof UsageError) {
      process.stderr.write(`hekit: ${e.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`hekit: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    }
  },
);
