import { spawnSync } from "node:child_process";
import { mkdtempSync, renameSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { FdslError } from "../errors.js";

/** Browser commands tried in order when none is given. */
const BROWSERS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"];

export interface ScreenshotOptions {
  /** Browser command; default: the first of chromium, chromium-browser, google-chrome found. */
  browser?: string;
  /** Viewport width and height in pixels; default 1100 x 900. */
  width?: number;
  height?: number;
}

/**
 * Renders an HTML file with headless Chromium and writes a PNG screenshot
 * to `png` (through a temporary file and a rename). Throws an FdslError
 * naming the install command when no browser is found.
 */
export function screenshot(html: string, png: string, options: ScreenshotOptions = {}): void {
  const width = options.width ?? 1100;
  const height = options.height ?? 900;
  const target = resolve(png);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.tmp.png`);
  // A fresh profile keeps the run independent of any user profile and its locks.
  const profile = mkdtempSync(join(tmpdir(), "fdsl-chromium-"));
  const args = [
    "--headless", "--disable-gpu", "--no-sandbox", "--hide-scrollbars", "--no-first-run",
    `--user-data-dir=${profile}`, `--window-size=${width},${height}`, `--screenshot=${temp}`,
    pathToFileURL(resolve(html)).href,
  ];
  const failures: string[] = [];
  try {
    for (const browser of options.browser ? [options.browser] : BROWSERS) {
      const result = spawnSync(browser, args, { encoding: "utf8", timeout: 120_000 });
      const code = (result.error as NodeJS.ErrnoException | undefined)?.code;
      if (code === "ENOENT") {
        failures.push(`${browser}: not found`);
        continue;
      }
      if (result.status === 0 && exists(temp)) {
        renameSync(temp, target);
        return;
      }
      const tail = (result.stderr ?? "").trim().split("\n").slice(-3).join(" ");
      throw new FdslError(`${browser} failed to take the screenshot (exit ${result.status}): ${tail}`);
    }
  } finally {
    rmSync(profile, { recursive: true, force: true });
    rmSync(temp, { force: true });
  }
  throw new FdslError(
    `no headless browser found (tried ${failures.join("; ")}); install one with apt-get install chromium`,
  );
}

function exists(path: string): boolean {
  try {
    return statSync(path).size > 0;
  } catch {
    return false;
  }
}
