// The limiter classes by their own files: the package's index loads every store type it has
// (36 modules), of which a request needs one or two. Each file exports one class.
declare module 'rate-limiter-flexible/lib/RateLimiterMemory.js' {
  import { RateLimiterMemory } from 'rate-limiter-flexible';
  export = RateLimiterMemory;
}
declare module 'rate-limiter-flexible/lib/RateLimiterRes.js' {
  import { RateLimiterRes } from 'rate-limiter-flexible';
  export = RateLimiterRes;
}
declare module 'rate-limiter-flexible/lib/RateLimiterDynamo.js' {
  import { RateLimiterDynamo } from 'rate-limiter-flexible';
  export = RateLimiterDynamo;
}
declare module 'rate-limiter-flexible/lib/RateLimiterRedis.js' {
  import { RateLimiterRedis } from 'rate-limiter-flexible';
  export = RateLimiterRedis;
}
