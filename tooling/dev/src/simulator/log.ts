/** Masks anything that looks like a phone number in text that came from elsewhere (a server's message). */
export function redactNumbers(text: string): string {
  return text.replace(/\+?\d[\d\s-]{5,}\d/g, '[number]');
}

/**
 * A log where repeated lines (a server that is down) are counted, not repeated: the same line within 30 s is
 * counted, and the count is said before the next different line.
 */
export function createLogOnce(log: (line: string) => void): (line: string) => void {
  let lastLine = '';
  let lastLineAt = 0;
  let repeats = 0;
  return (line: string) => {
    const now = Date.now();
    if (line === lastLine && now - lastLineAt < 30_000) {
      repeats++;
      return;
    }
    if (repeats > 0) log(`(the previous message repeated ${repeats} more time${repeats === 1 ? '' : 's'})`);
    repeats = 0;
    lastLine = line;
    lastLineAt = now;
    log(line);
  };
}
