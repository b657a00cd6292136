// The service worker of the portal's push notices: the browser decrypts
// each (notify's Web Push: {title, body, link}), this shows it, and a
// click opens the notice in the cabinet inbox.
self.addEventListener("push", function (event) {
  var d = {};
  try { d = event.data ? event.data.json() : {}; } catch (e) { d = {}; }
  event.waitUntil(self.registration.showNotification(d.title || "", {
    body: d.body || "", data: { link: d.link || "/cabinet/notifications" }
  }));
});

self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  event.waitUntil(self.clients.openWindow(event.notification.data.link));
});
