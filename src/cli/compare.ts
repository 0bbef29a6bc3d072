import type { Command } from "commander";
import { writeFileAtomic } from "../dataset/atomic.js";
import { buildLeaderboard, leaderboardMarkdown } from "../evaluate/leaderboard.js";
import { renderReport } from "../evaluate/report.js";
import { screenshot } from "../evaluate/screenshot.js";
import { UsageError } from "../errors.js";

interface CompareFlags {
  html?: string;
  screenshot?: string;
  json?: string;
  title?: string;
  browser?: string;
  allowMixed?: boolean;
}

export function registerCompare(program: Command): void {
  program
    .command("compare")
    .description("rank evaluation results into a leaderboard, lowest score first")
    .argument("<results...>", "result.json files or fdsl evaluate output folders")
    .option("--html <file>", "write a self-contained HTML report")
    .option("--screenshot <png>", "render the HTML report to a PNG with headless Chromium (needs --html)")
    .option("--json <file>", "write the leaderboard as JSON")
    .option("--title <text>", "report title")
    .option("--browser <command>", "browser for --screenshot (default: chromium, then google-chrome)")
    .option("--allow-mixed", "rank results made under different protocols")
    .action(runCompare);
}

function runCompare(results: string[], flags: CompareFlags): void {
  if (flags.screenshot && !flags.html) {
    throw new UsageError("--screenshot renders the HTML report; pass --html <file> too");
  }
  const board = buildLeaderboard(results, { allowMixed: flags.allowMixed });
  process.stdout.write(leaderboardMarkdown(board));
  if (flags.json) writeFileAtomic(flags.json, `${JSON.stringify(board, null, 1)}\n`);
  if (flags.html) {
    writeFileAtomic(flags.html, renderReport(board, flags.title));
    console.log(`report: ${flags.html}`);
  }
  if (flags.html && flags.screenshot) {
    screenshot(flags.html, flags.screenshot, { browser: flags.browser });
    console.log(`screenshot: ${flags.screenshot}`);
  }
}
