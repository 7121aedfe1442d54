// A short line diff for the plan snapshot's failure message: mocha cuts long string diffs.

/** Changed lines as `- old` / `+ new`, with `context` unchanged lines around each change. */
export function lineDiff(expected: string, actual: string, context = 3, maxLines = 120): string {
  const a = expected.split('\n');
  const b = actual.split('\n');
  // Longest common subsequence table, from the end, so the walk below goes forward.
  const lcs = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = a.length - 1; i >= 0; i--) {
    for (let j = b.length - 1; j >= 0; j--) {
      lcs[i]![j] =
        a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { kind: ' ' | '-' | '+'; text: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      ops.push({ kind: ' ', text: a[i++]! });
      j++;
    } else if (i < a.length && (j === b.length || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ kind: '-', text: a[i++]! });
    } else {
      ops.push({ kind: '+', text: b[j++]! });
    }
  }
  const shown = ops.map((op, index) =>
    ops.slice(Math.max(0, index - context), index + context + 1).some((near) => near.kind !== ' '),
  );
  const lines: string[] = [];
  let skipped = false;
  ops.forEach((op, index) => {
    if (!shown[index]) {
      skipped = true;
      return;
    }
    if (skipped && lines.length > 0) lines.push('  ...');
    skipped = false;
    lines.push(`${op.kind} ${op.text}`);
  });
  return lines.length > maxLines
    ? [...lines.slice(0, maxLines), `  ... ${lines.length - maxLines} more lines`].join('\n')
    : lines.join('\n');
}
