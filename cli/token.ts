/** `hekit token create`: a token for a new tenant of the service; only its hash is stored. */
import { Command } from 'commander';
import { createToken } from '../service/store/tokens.js';
import { configure, nonEmpty, option } from './options.js';

/** `hekit token` and its `create` subcommand, whose action prints the tenant and, on the last line, the token. */
export function tokenCommand(print: (line: string) => void): Command {
  const create = configure(new Command('create'))
    .description('Make an API token for a new tenant: its SHA-256 is added to DIR/tokens.json and the token itself printed once, on the last line.')
    .addOption(option('data', 'DIR', 'the service\'s data directory (as for hekit serve --data)', nonEmpty('a directory'), 'hekit-data'))
    .action((opts: { data: string }) => {
      const { token, tenant } = createToken(opts.data);
      print(`tenant ${tenant}`);
      print(token);
    });
  return configure(new Command('token'))
    .summary('manage the training service\'s API tokens')
    .description('Manage the API tokens of the training service: hekit token create makes one for a new tenant.')
    .addCommand(create)
    .addHelpText('after', `
Examples:
  hekit token create --data /srv/hekit     prints "tenant ..." then the token; send it as Authorization: Bearer TOKEN`);
}
