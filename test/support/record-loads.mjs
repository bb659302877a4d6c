// Given to node with --import: every module the process then loads is appended to the file RECORD_LOADS names,
// one URL a line, so that a test can tell what a server loaded before its first answer.
import { register } from 'node:module';

register('./record-loads-hooks.mjs', import.meta.url, { data: process.env.RECORD_LOADS });
