// One cold start: load the Lambda bundle named on the command line, invoke its handler once
// with the HTTP API v2 event in BENCH_EVENT, print the status code, and exit.
const { handler } = require(process.argv[2]);

const context = {
  awsRequestId: 'bench',
  functionName: 'bench',
  getRemainingTimeInMillis: () => 30_000,
};
handler(JSON.parse(process.env.BENCH_EVENT), context).then(
  (result) => process.stdout.write(`${result.statusCode}\n`, () => process.exit(0)),
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
