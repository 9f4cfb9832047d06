/**
 * Asterisk Manager Interface client, written here rather than taken from npm.
 *
 * Candidates looked at on npm: `asterisk-manager` (0.2.0, callback API, no types), `asterisk-ami-client`
 * (1.1.5, built on `asterisk-ami-connector`, `co` and `debug@2`), `yana` (0.3.0) and `@ipcom/asterisk-ami`
 * (0.1.0, a single release that depends on the npm `net` placeholder package). The first three are old,
 * untyped ES5/ES2015 code with little recent activity, and each has its own reconnect policy that we would
 * have to wrap or fight (we need: reconnect with capped, jittered backoff; re-login; a ping watchdog; a
 * rejected login retried); the fourth is too new and too small to trust with a crisis line. The protocol part we need is small: a line
 * framer (parser.ts, ~70 lines) and a session loop (client.ts). Both are covered by tests against a real
 * TCP server speaking the wire format of the fixtures in ../fixtures.
 */
export { AmiClient, type AmiClientOptions, type AmiEventHandler } from './client';
export { type AmiFrame, type AmiMessage, AmiParser, AmiProtocolError, formatAction } from './parser';
