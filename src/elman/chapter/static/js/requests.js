// A widget asks the server again each time a control moves, and answers can come back out of order: a slow
// answer to an old setting must never overwrite the answer to the new one. Two helpers keep that in one place.

// latest(ctx) → ask(request, show, fail). Each call supersedes the previous one: the previous fetch is aborted
// (request gets the signal to pass to ctx.api) and its handlers never run. show(answer, current) runs only while
// this call is the newest and the step is still on screen; `current()` says whether that still holds after show's
// own awaits (a chart drawn from the answer, say). fail(error) runs under the same condition, for an error of
// the request or of show. ask.cancel() (on unmount, or when `signal` aborts) supersedes every call so far.
export function latest(ctx, signal = undefined) {
  let ticket = 0;
  let inFlight = null;
  async function ask(request, show, fail) {
    const mine = ++ticket;
    inFlight?.abort();
    const own = (inFlight = new AbortController());
    const current = () => mine === ticket && ctx.alive();
    try {
      const answer = await request(own.signal);
      if (current()) await show(answer, current);
    } catch (error) {
      if (current()) await fail(error);      // an aborted fetch was superseded, so it never lands here
    } finally {
      if (inFlight === own) inFlight = null;
    }
  }
  ask.cancel = () => { ticket += 1; inFlight?.abort(); inFlight = null; };
  signal?.addEventListener("abort", ask.cancel, { once: true });
  return ask;
}

// debounce(fn, ms) → later(): fn runs once, ms after the last call (a slider dragged asks once it rests, not at
// every pixel). later.cancel() drops a call not yet made; so does `signal` aborting (a step's unmount).
export function debounce(fn, ms, signal = undefined) {
  let timer = null;
  const later = () => {
    clearTimeout(timer);
    timer = setTimeout(() => { timer = null; fn(); }, ms);
  };
  later.cancel = () => { clearTimeout(timer); timer = null; };
  signal?.addEventListener("abort", later.cancel, { once: true });
  return later;
}
