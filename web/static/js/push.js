// Push notifications in this browser, turned on only when the person asks
// (a click on the settings page): it registers the service worker,
// subscribes with the city's VAPID key and hands the subscription to the
// portal, which then sends the notices this person chose for push. The
// page works without it; it only adds the browser as a device.
(function () {
  var box = document.getElementById("browser-push");
  if (!box) return;
  var on = document.getElementById("browser-push-on");
  var off = document.getElementById("browser-push-off");
  var state = document.getElementById("browser-push-state");
  var worker = "/static/js/push-sw.js", scope = "/static/js/";
  // data-say-*, not data-on: html/template takes an attribute named
  // (data-)on* for an event handler and writes its text as a quoted JS
  // string.
  function say(what) { state.textContent = box.getAttribute("data-say-" + what); }
  function show(subscribed) { on.hidden = subscribed; off.hidden = !subscribed; }
  if (!("serviceWorker" in navigator) || !("PushManager" in window) || !("Notification" in window) || !window.fetch) {
    on.disabled = true;
    say("unsupported");
    return;
  }
  // The city's public key, base64url, as the bytes subscribe wants.
  function serverKey() {
    var s = box.getAttribute("data-key").replace(/-/g, "+").replace(/_/g, "/");
    var raw = atob(s + "===".slice((s.length + 3) % 4));
    var out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  function post(url, sub) {
    return fetch(url, {
      method: "POST", credentials: "same-origin",
      headers: { "Content-Type": "application/json" }, body: JSON.stringify(sub)
    }).then(function (r) { if (!r.ok) throw new Error("HTTP " + r.status); });
  }
  // The worker does not control this page (its scope is its folder), so
  // wait for it to be active rather than for navigator.serviceWorker.ready.
  function activeRegistration() {
    return navigator.serviceWorker.register(worker, { scope: scope }).then(function (reg) {
      var w = reg.installing || reg.waiting;
      if (reg.active || !w) return reg;
      return new Promise(function (resolve) {
        w.addEventListener("statechange", function () { if (w.state === "activated") resolve(reg); });
      });
    });
  }
  function current() {
    return navigator.serviceWorker.getRegistration(scope).then(function (reg) {
      return reg ? reg.pushManager.getSubscription() : null;
    });
  }
  current().then(function (sub) { show(!!sub); if (sub) say("on"); }).catch(function () {});
  on.addEventListener("click", function () {
    on.disabled = true;
    Notification.requestPermission().then(function (permission) {
      if (permission !== "granted") { say("denied"); return; }
      return activeRegistration().then(function (reg) {
        return reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: serverKey() });
      }).then(function (sub) {
        return post("/cabinet/notifications/settings/webpush", sub.toJSON());
      }).then(function () { show(true); say("on"); off.focus(); });
    }).catch(function () { say("failed"); }).then(function () { on.disabled = false; });
  });
  off.addEventListener("click", function () {
    current().then(function (sub) {
      if (!sub) return;
      return post("/cabinet/notifications/settings/webpush/remove", sub.toJSON()).then(function () { return sub.unsubscribe(); });
    }).then(function () { show(false); say("off"); on.focus(); }).catch(function () { say("failed"); });
  });
})();
