// One cold start: load the Lambda bundle named on the command line, then either invoke its
// `handler` once with the HTTP API v2 event in BENCH_EVENT and print the status code, or (with
// a second argument naming another export) print "loaded" once that export is a function; exit.
const [bundlePath, exportName] = process.argv.slice(2);
const bundle = require(bundlePath);

if (exportName && exportName !== 'handler') {
  const loaded = typeof bundle[exportName] === 'function' ? 'loaded' : 'missing';
  process.stdout.write(`${loaded}\n`, () => process.exit(0));
} else {
  const context = {
    awsRequestId: 'bench',
    functionName: 'bench',
    getRemainingTimeInMillis: () => 30_000,
  };
  bundle.handler(JSON.parse(process.env.BENCH_EVENT), context).then(
    (result) => process.stdout.write(`${result.statusCode}\n`, () => process.exit(0)),
    (error) => {
      process.stderr.write(`${error.stack}\n`);
      process.exit(1);
    },
  );
}
