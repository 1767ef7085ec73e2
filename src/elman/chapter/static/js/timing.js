// Time for animations: a sleep that a pause or a step change can cut short, and a widget's own play button.

export function sleep(ms, signal) {
  const stopped = () => signal.reason ?? new DOMException("aborted", "AbortError");
  return new Promise((resolve, reject) => {
    if (signal?.aborted) { reject(stopped()); return; }     // an abort that came first never fires its event again
    const id = setTimeout(resolve, ms);
    signal?.addEventListener("abort", () => { clearTimeout(id); reject(stopped()); }, { once: true });
  });
}

// A button that runs animate(signal) and turns into "stop" while it runs; returns a function that stops it.
export function ownPlayButton(button, animate, idleLabel = "play") {
  let own = null;
  button.addEventListener("click", () => {
    if (own) { own.abort(); return; }
    own = new AbortController();
    button.textContent = "stop";
    animate(own.signal).catch(() => {}).finally(() => { own = null; button.textContent = idleLabel; });
  });
  return () => own?.abort();
}
