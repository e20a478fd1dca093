#!/usr/bin/env node
/**
 * The `hekit` command: one file per command (train.ts, predict.ts, analyze.ts, calibrate.ts, serve.ts, worker.ts, token.ts), each defining its options on
 * the shared layer in options.ts; this file wires them up. Results go to stdout, progress and
 * errors to stderr. Exit codes: 0 done (and --help, --version), 1 failure, 2 bad usage.
 */
import { Command, CommanderError } from 'commander';
import { analysisSummary, analyzeArgsOf, analyzeCommand, runAnalysis } from './analyze.js';
import { calibrate, calibrateArgsOf, calibrateCommand, calibrationSummary, saveCalibration } from './calibrate.js';
import { configure, packageVersion, usageErrorOf, UsageError } from './options.js';
import { predictArgsOf, predictCommand, predictionsCsv, predictionSummary, runPrediction } from './predict.js';
import { progressTo, quietTo } from './progress.js';
import { candidatesJson, planTable } from './plan.js';
import { planOnly, runTraining, summary, trainArgsOf, trainCommand } from './train.js';
import { serve, serveArgsOf, serveCommand } from './serve.js';
import { tokenCommand } from './token.js';
import { runWorker, workerArgsOf, workerCommand } from './worker.js';

/** Resolves on the first SIGINT or SIGTERM (long-running commands stop cleanly on either). */
const stopSignal = (): Promise<void> => new Promise((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});

function program(): Command {
  const train = trainCommand().action(async (_options: unknown, cmd: Command) => {
    const args = trainArgsOf(cmd);
    const progress = args.quiet ? quietTo(process.stderr) : progressTo(process.stderr);
    if (args.plan) {
      const { timed, costNote } = planOnly(args, progress);
      progress.close();
      process.stdout.write(args.json ? `${JSON.stringify(candidatesJson(timed))}\n` : `${planTable(timed, costNote)}\n`);
      return;
    }
    let report;
    try {
      report = await runTraining(args, progress);
    } finally {
      progress.close(); // an error then starts on a line of its own
    }
    process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : `${summary(report)}\n`);
  });
  const predict = predictCommand().action(async (_options: unknown, cmd: Command) => {
    const args = predictArgsOf(cmd);
    const report = await runPrediction(args, (text) => void process.stderr.write(`hekit: notice: ${text}\n`));
    if (args.json) process.stdout.write(`${JSON.stringify(report)}\n`);
    else if (args.out !== null) process.stdout.write(`${predictionSummary(report)}\n`);
    else {
      // The predictions are the result (stdout, to pipe on); the summary is commentary (stderr).
      process.stdout.write(predictionsCsv(report.classes, report.predictions));
      if (!args.quiet) process.stderr.write(`${predictionSummary(report)}\n`);
    }
  });
  const analyze = analyzeCommand().action(async (_options: unknown, cmd: Command) => {
    const args = analyzeArgsOf(cmd);
    const report = await runAnalysis(args);
    process.stdout.write(args.json ? `${JSON.stringify(report)}\n` : `${analysisSummary(report)}\n`);
  });
  const calibration = calibrateCommand().action(async (_options: unknown, cmd: Command) => {
    const args = calibrateArgsOf(cmd);
    const measured = await calibrate(args, (text) => void process.stderr.write(`hekit calibrate: ${text}\n`));
    const file = saveCalibration(measured);
    process.stdout.write(args.json ? `${JSON.stringify(measured)}\n` : `${calibrationSummary(measured, file)}\n`);
  });
  const serveCmd = serveCommand().action(async (_options: unknown, cmd: Command) => {
    const stop = stopSignal();
    const server = await serve(serveArgsOf(cmd), (line) => void process.stderr.write(`hekit serve: ${line}\n`));
    process.stderr.write(`hekit serve: listening on ${server.url}\n`);
    await stop;
    await server.close();
  });
  const workerCmd = workerCommand().action(async (_options: unknown, cmd: Command) => {
    await runWorker(workerArgsOf(cmd), stopSignal(), (line) => void process.stderr.write(`hekit worker ${process.pid}: ${line}\n`));
  });
  return configure(new Command('hekit'))
    .description('CKKS homomorphic encryption: train logistic regression on encrypted data, classify with the model, and analyse what a circuit costs.')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .addCommand(train)
    .addCommand(predict)
    .addCommand(analyze)
    .addCommand(calibration)
    .addCommand(serveCmd)
    .addCommand(workerCmd)
    .addCommand(tokenCommand((line) => void process.stdout.write(`${line}\n`)))
    .helpCommand('help [command]', 'show help for a command')
    .addHelpText('after', `
Examples:
  hekit train --backend sim          encrypted training on the simulator, in seconds
  hekit train --data my.csv --out model.json
                                     train on your own CSV file (label in the last column) and save the model
  hekit predict --model model.json --data new.csv
                                     classify new rows with the saved model
  hekit analyze --circuit baseline   depth, op counts and keys of one round, without keys
  hekit calibrate                    time the ops on this machine, for hekit train --plan
  hekit train --help                 every option of train, with its default

Exit codes: 0 done, 1 failure, 2 bad usage or bad input.`);
}

async function main(argv: readonly string[]): Promise<number> {
  const hekit = program();
  if (argv.length === 0) throw new UsageError('a command is required: train, predict, analyze, calibrate, serve, worker or token (hekit --help lists them)');
  try {
    await hekit.parseAsync([...argv], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end the parse with exit code 0; anything else is bad usage.
      if (e.exitCode === 0) return 0;
      throw usageErrorOf(e);
    }
    throw e;
  }
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
