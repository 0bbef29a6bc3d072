/**
 * One progress line for long work: done/total, percent, rate and ETA.
 * On a terminal it redraws in place up to 10 times a second; otherwise
 * (a log file, CI) it prints a plain line every 10 seconds and at the end.
 */
export interface ProgressLine {
  update(done: number, total: number): void;
  /** Prints the final state and ends the line. */
  finish(): void;
}

export function createProgressLine(
  label: string,
  unit: string,
  stream: NodeJS.WriteStream = process.stderr,
): ProgressLine {
  const tty = stream.isTTY === true;
  const interval = tty ? 100 : 10_000;
  const started = performance.now();
  let last = 0;
  let state = { done: 0, total: 0 };

  const draw = (final: boolean): void => {
    const seconds = (performance.now() - started) / 1000;
    const rate = seconds > 0 ? state.done / seconds : 0;
    const remaining = rate > 0 ? (state.total - state.done) / rate : NaN;
    const percent = state.total > 0 ? (100 * state.done) / state.total : 100;
    const text =
      `${label} ${bar(percent, tty)}${state.done}/${state.total} ${unit} ` +
      `(${percent.toFixed(1)}%) ${rate.toFixed(0)} ${unit}/s ` +
      (final ? `in ${clock(seconds)}` : `ETA ${clock(remaining)}`);
    stream.write(tty ? `\r${text}\x1b[K${final ? "\n" : ""}` : `${text}\n`);
  };

  return {
    update(done, total) {
      state = { done, total };
      const now = performance.now();
      if (now - last >= interval) {
        last = now;
        draw(false);
      }
    },
    finish() {
      draw(true);
    },
  };
}

function bar(percent: number, tty: boolean): string {
  if (!tty) return "";
  const width = 24;
  const full = Math.round((percent / 100) * width);
  return `[${"#".repeat(full)}${"-".repeat(width - full)}] `;
}

/** Formats seconds as h:mm:ss or m:ss; "--:--" when unknown. */
export function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return "--:--";
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}
