// Child process: the API's local server (`npm start`'s code path), configured by the parent's env.
import { startLocalServer } from '../../app/src/server.js';
import { serveParent } from './children.js';

void startLocalServer(process.env).then((server) =>
  serveParent(server.url, async () => {
    await server.close();
  }),
);
