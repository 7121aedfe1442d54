// The services' validation rules the offline plan applies (scripts/aws-rules.ts): each refuses
// what AWS refuses, with a line that names the resource and the value, and lets the rest pass.
import { expect } from 'chai';
import { apiRoutes } from '../../infra/http-api';
import {
  assertAwsAccepts,
  findAwsProblems,
  routeKeyProblems,
  type PlannedInputs,
} from '../../scripts/aws-rules';

const route = (name: string, routeKey: string, apiId = 'api1'): PlannedInputs => ({
  type: 'aws:apigatewayv2/route:Route',
  name,
  inputs: { apiId, routeKey, target: 'integrations/abc' },
});

describe('API Gateway route keys', () => {
  it('when the program’s routes are checked, then API Gateway would take every one', () => {
    expect(apiRoutes.flatMap(routeKeyProblems)).to.deep.equal([]);
  });

  const refused: [string, string][] = [
    ['GET /api/v1/conversations/', 'ends with /'],
    ['GET api/v1/health', 'does not start with /'],
    ['FETCH /api/v1/health', 'method FETCH is not one of'],
    ['GET /api//health', 'has an empty segment'],
    ['ANY /files/{path+}/meta', 'greedy variable {path+} is not the last segment'],
    ['GET /conversations/id-{id}', 'id-{id} is not a whole-segment path variable'],
    ['GET', 'is neither $default nor "METHOD /path"'],
    ['GET  /two-spaces', 'is neither $default nor "METHOD /path"'],
  ];
  for (const [routeKey, problem] of refused) {
    it(`when a route key is "${routeKey}", then it is refused: ${problem}`, () => {
      const problems = routeKeyProblems(routeKey);
      expect(problems).to.have.length(1);
      expect(problems[0]).to.contain(problem).and.contain(routeKey);
    });
  }

  it('when the root, a variable and a last greedy variable are used, then they pass', () => {
    for (const routeKey of ['GET /', 'DELETE /a/{id}', 'ANY /a/{proxy+}', '$default']) {
      expect(routeKeyProblems(routeKey), routeKey).to.deep.equal([]);
    }
  });

  it('when one API has the same route key twice, then the second is refused; another API may reuse it', () => {
    const problems = findAwsProblems([
      route('first', 'GET /a'),
      route('second', 'GET /a'),
      route('elsewhere', 'GET /a', 'api2'),
    ]);
    expect(problems).to.deep.equal(['second: route "GET /a" already exists on the API']);
  });

  it('when the offline plan holds a refused route, then building it fails with every problem', () => {
    expect(() => assertAwsAccepts('dev', [route('r', 'GET /a/'), route('ok', 'GET /b')])).to.throw(
      'AWS would refuse stack dev:\n  r: route "GET /a/": path /a/ ends with /',
    );
  });
});
