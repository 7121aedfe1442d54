// Child process: the embedded DynamoDB (dynalite, in memory) every benchmark target shares.
import { startEmbeddedDynamo } from '../../app/src/storage/local-dynamo.js';
import { serveParent } from './children.js';

void startEmbeddedDynamo().then((store) => serveParent(store.endpoint, () => store.close()));
