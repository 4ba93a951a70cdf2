// Entry point of the `parasol` command.
import { processIo } from './io.js';
import { runCli } from './program.js';

const code = await runCli(process.argv.slice(2), processIo);
if (code !== 0) process.exitCode = code;
