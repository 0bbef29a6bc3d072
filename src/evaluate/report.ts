import type { Leaderboard, LeaderboardRow } from "./leaderboard.js";
import { formatT, signed } from "./leaderboard.js";

/** Line colours of the curves, one per row in rank order (Tableau 10). */
const COLOURS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

/**
 * Renders the leaderboard as one self-contained HTML page: the protocol,
 * the ranked table and, per downstream dataset, an SVG chart of test
 * error per fine-tuning epoch with the scored epochs shaded.
 */
export function renderReport(board: Leaderboard, title = "fdsl evaluation leaderboard"): string {
  const protocol = board.protocol;
  const scoredFrom = Math.max(1, Math.ceil(protocol.finetune.score_from * protocol.finetune.epochs));
  const charts = board.downstream
    .map((dataset) => chart(dataset, board.rows, protocol.finetune.epochs, scoredFrom))
    .join("\n");
  const environment = Object.entries(board.environment)
    .filter(([, value]) => value !== null && value !== undefined)
    .map(([key, value]) => `${escape(key)} ${escape(String(value))}`)
    .join(", ");
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>${escape(title)}</title>
<style>
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1100px; }
h1 { font-size: 20px; margin: 0 0 4px; }
p.meta { color: #555; margin: 0 0 16px; }
table { border-collapse: collapse; margin: 12px 0 20px; }
th, td { padding: 4px 10px; border-bottom: 1px solid #ddd; text-align: right; }
th { background: #f4f4f4; }
td.text, th.text { text-align: left; }
td.best { font-weight: 600; }
.swatch { display: inline-block; width: 10px; height: 10px; margin-right: 6px; border-radius: 2px; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; }
figure { margin: 0; }
figcaption { font-weight: 600; margin-bottom: 4px; }
</style>
</head>
<body>
<h1>${escape(title)}</h1>
<p class="meta">preset <b>${escape(board.preset)}</b>: ${escape(protocol.model)} at ${protocol.image_size} px,
pre-training ${plural(protocol.pretrain.epochs, "epoch")}${protocol.pretrain.max_images ? ` on up to ${protocol.pretrain.max_images} images` : ""},
fine-tuning ${plural(protocol.finetune.epochs, "epoch")} on ${escape(board.downstream.join(", "))}
(${protocol.finetune.train_images ?? "all"} train / ${protocol.finetune.test_images ?? "all"} test images).
Score: test top-1 error (%) summed over fine-tuning epochs ${scoredFrom}-${protocol.finetune.epochs}, mean over datasets and seeds; lower is better.</p>
<p class="meta">${environment}</p>
${table(board)}
<div class="charts">
${charts}
</div>
${pairsTable(board)}
</body>
</html>
`;
}

function table(board: Leaderboard): string {
  const probeHeads = board.downstream.map((d) => `<th>kNN ${escape(d)}</th><th>linear ${escape(d)}</th>`).join("");
  const rows = board.rows.map((row, index) => {
    const probes = board.downstream
      .map((d) => `<td>${percent(row.knn[d])}</td><td>${percent(row.linear[d])}</td>`)
      .join("");
    const gain = row.gainOverScratch === null ? "-" : signed(row.gainOverScratch);
    return `<tr><td>${row.rank}</td>` +
      `<td class="text"><span class="swatch" style="background:${COLOURS[index % COLOURS.length]}"></span>${escape(row.label)}</td>` +
      `<td class="text">${escape(row.recipe)}</td>` +
      `<td class="${index === 0 ? "best" : ""}">${row.score.toFixed(2)}</td>` +
      `<td>${row.std === null ? "-" : row.std.toFixed(2)}</td><td>${row.seeds.length}</td>` +
      `<td>${gain}</td><td>${formatT(row.tOverScratch)}</td>${probes}</tr>`;
  });
  return `<table>
<tr><th>rank</th><th class="text">arm</th><th class="text">recipe</th><th>score</th><th>± std</th><th>seeds</th><th>gain vs scratch</th><th>t</th>${probeHeads}</tr>
${rows.join("\n")}
</table>`;
}

/** Renders the paired comparisons of arms that share 2+ seeds, or nothing. */
function pairsTable(board: Leaderboard): string {
  const pairs = board.pairs.filter((pair) => pair.seeds.length >= 2);
  if (pairs.length === 0) return "";
  const rows = pairs.map((pair) =>
    `<tr><td class="text">${escape(pair.first)}</td><td class="text">${escape(pair.second)}</td><td>${pair.seeds.length}</td>` +
    `<td>${signed(pair.score.difference)}</td><td>${formatT(pair.score.t)}</td>` +
    `<td>${pair.knn === null ? "-" : signed(pair.knn.difference)}</td><td>${formatT(pair.knn?.t ?? null)}</td>` +
    `<td>${pair.linear === null ? "-" : signed(pair.linear.difference)}</td><td>${formatT(pair.linear?.t ?? null)}</td></tr>`);
  return `<p class="meta">Paired by seed: runs of one seed share the fine-tuning subset and order. Positive: the first arm is better.</p>
<table>
<tr><th class="text">first</th><th class="text">second</th><th>seeds</th><th>score gain</th><th>t</th><th>kNN gain</th><th>t</th><th>linear gain</th><th>t</th></tr>
${rows.join("\n")}
</table>`;
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}

function percent(value: number | undefined): string {
  return value === undefined ? "-" : `${value.toFixed(1)}%`;
}

/** Draws an SVG line chart of mean test error per epoch, one line per row. */
function chart(dataset: string, rows: LeaderboardRow[], epochs: number, scoredFrom: number): string {
  const width = 520;
  const height = 300;
  const left = 48;
  const right = 12;
  const top = 12;
  const bottom = 36;
  const values = rows.flatMap((row) => row.curves[dataset] ?? []).filter(Number.isFinite);
  const high = Math.min(100, Math.ceil((Math.max(...values, 1) + 2) / 5) * 5);
  const low = Math.max(0, Math.floor((Math.min(...values, high) - 2) / 5) * 5);
  const x = (epoch: number): number => left + ((epoch - 1) / Math.max(1, epochs - 1)) * (width - left - right);
  const y = (error: number): number => top + ((high - error) / Math.max(1e-9, high - low)) * (height - top - bottom);

  const parts: string[] = [];
  // Shade the epochs that count towards the score.
  const shadeStart = scoredFrom === 1 ? left : (x(scoredFrom - 1) + x(scoredFrom)) / 2;
  parts.push(`<rect x="${shadeStart.toFixed(1)}" y="${top}" width="${(width - right - shadeStart).toFixed(1)}" height="${height - top - bottom}" fill="#f3f0e6"/>`);
  for (let tick = low; tick <= high; tick += Math.max(5, Math.ceil((high - low) / 25) * 5)) {
    parts.push(`<line x1="${left}" x2="${width - right}" y1="${y(tick).toFixed(1)}" y2="${y(tick).toFixed(1)}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${left - 6}" y="${(y(tick) + 4).toFixed(1)}" text-anchor="end" font-size="11">${tick}</text>`);
  }
  for (let epoch = 1; epoch <= epochs; epoch++) {
    parts.push(`<text x="${x(epoch).toFixed(1)}" y="${height - bottom + 16}" text-anchor="middle" font-size="11">${epoch}</text>`);
  }
  parts.push(`<text x="${(left + width - right) / 2}" y="${height - 4}" text-anchor="middle" font-size="12">fine-tuning epoch (shaded: scored)</text>`);
  parts.push(`<text x="12" y="${(top + height - bottom) / 2}" text-anchor="middle" font-size="12" transform="rotate(-90 12 ${(top + height - bottom) / 2})">test error %</text>`);
  rows.forEach((row, index) => {
    const curve = row.curves[dataset] ?? [];
    const points = curve.map((error, i) => `${x(i + 1).toFixed(1)},${y(error).toFixed(1)}`).join(" ");
    const colour = COLOURS[index % COLOURS.length];
    parts.push(`<polyline fill="none" stroke="${colour}" stroke-width="2" points="${points}"><title>${escape(row.label)}</title></polyline>`);
  });
  return `<figure><figcaption>${escape(dataset)}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">
${parts.join("\n")}
</svg></figure>`;
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
