/**
 * AMI framing. The server's first line is a banner (`Asterisk Call Manager/7.0.3`); after it every message is
 * `Key: Value` lines ended by CRLF, and a blank line ends the message. Header names are lower-cased here, as
 * their casing has varied between Asterisk versions (Uniqueid / UniqueID); values are kept as sent.
 */
export type AmiMessage = Readonly<Record<string, string>>;

export type AmiFrame = { kind: 'banner'; banner: string } | { kind: 'message'; message: AmiMessage };

export class AmiProtocolError extends Error {
  override name = 'AmiProtocolError';
}

/** A line longer than this means the peer is not speaking AMI (or is broken); the caller drops the link. */
const MAX_LINE = 64 * 1024;

export class AmiParser {
  #rest = '';
  #fields = emptyFields();
  #fieldCount = 0;
  #firstLine = true;

  /** Feeds a decoded chunk; returns the frames it completed. Throws AmiProtocolError on a runaway line. */
  push(chunk: string): AmiFrame[] {
    const frames: AmiFrame[] = [];
    const text = this.#rest + chunk;
    let start = 0;
    for (let nl = text.indexOf('\n', start); nl !== -1; nl = text.indexOf('\n', start)) {
      const end = nl > start && text[nl - 1] === '\r' ? nl - 1 : nl;
      this.#line(text.slice(start, end), frames);
      start = nl + 1;
    }
    this.#rest = text.slice(start);
    if (this.#rest.length > MAX_LINE)
      throw new AmiProtocolError(`an AMI line exceeded ${MAX_LINE} characters`);
    return frames;
  }

  #line(line: string, frames: AmiFrame[]): void {
    const first = this.#firstLine;
    this.#firstLine = false;
    if (line === '') {
      if (this.#fieldCount > 0) frames.push({ kind: 'message', message: this.#fields });
      this.#fields = emptyFields();
      this.#fieldCount = 0;
      return;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) {
      // The banner has no colon; any other such line (legacy `Command` output) carries nothing we use.
      if (first) frames.push({ kind: 'banner', banner: line });
      return;
    }
    const key = line.slice(0, colon).trim().toLowerCase();
    // Repeated headers (ChanVariable) keep their first value; nothing the bridge reads repeats.
    if (!(key in this.#fields)) {
      this.#fields[key] = line.slice(colon + 1).trim();
      this.#fieldCount += 1;
    }
  }
}

/** No prototype, so a header named `constructor` or `__proto__` is just a header. */
function emptyFields(): Record<string, string> {
  return Object.create(null) as Record<string, string>;
}

/** Serialises an action. A value with CR or LF would let it smuggle extra headers, so that throws. */
export function formatAction(action: string, fields: Record<string, string>): string {
  const lines = [`Action: ${action}`];
  for (const [key, value] of Object.entries(fields)) {
    if (/[\r\n]/.test(key) || /[\r\n]/.test(value)) {
      throw new AmiProtocolError(`the ${key} header of an AMI ${action} action must be one line`);
    }
    lines.push(`${key}: ${value}`);
  }
  return `${lines.join('\r\n')}\r\n\r\n`;
}
