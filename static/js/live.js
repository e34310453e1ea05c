// Live updates for signed-in pages (issue 18). Pages are complete without this file: it only
// keeps an open page current. One socket per page to the ASGI process; events arrive in
// order with a cursor, and after a reconnect the server sends exactly what the page missed.
(function () {
  "use strict";
  var body = document.body;
  var path = body.getAttribute("data-live-path");
  if (!path || !("WebSocket" in window) || !window.JSON || !window.fetch) return;
  var port = body.getAttribute("data-live-port");
  var me = Number(body.getAttribute("data-live-user"));
  var root = document.documentElement;

  var cursor = null; // the last event this page has applied; null until the first "ready"
  var socket = null;
  var retryDelay = 1000;
  var retryTimer = null;
  var pingTimer = null;
  var stopped = false; // signed out or suspended: the server said not to come back

  function socketUrl() {
    var scheme = window.location.protocol === "https:" ? "wss:" : "ws:";
    var host = port ? window.location.hostname + ":" + port : window.location.host;
    if (port && host.indexOf(":") !== host.lastIndexOf(":") && host.charAt(0) !== "[") {
      host = "[" + window.location.hostname + "]:" + port; // a bare IPv6 address
    }
    return scheme + "//" + host + path;
  }

  function connect() {
    retryTimer = null;
    if (stopped || socket) return;
    root.setAttribute("data-live", "connecting");
    try {
      socket = new WebSocket(socketUrl());
    } catch (error) {
      socket = null;
      scheduleReconnect();
      return;
    }
    socket.onopen = function () {
      // First connect: what happened since this page was requested (the server measures
      // back from its own clock, so a wrong clock here does not matter); later: our cursor.
      var hello = cursor === null
        ? { type: "resume", elapsed_ms: Math.round(window.performance ? performance.now() : 0) }
        : { type: "resume", cursor: cursor };
      socket.send(JSON.stringify(hello));
      pingTimer = window.setInterval(function () {
        if (socket && socket.readyState === 1) socket.send('{"type":"ping"}');
      }, 25000);
    };
    socket.onmessage = function (message) {
      var frame;
      try {
        frame = JSON.parse(message.data);
      } catch (error) {
        return;
      }
      if (frame.type === "event") {
        if (cursor !== null && frame.cursor <= cursor) return;
        cursor = frame.cursor;
        apply(frame.kind, frame.data || {});
      } else if (frame.type === "ready") {
        retryDelay = 1000;
        if (frame.reload && cursor !== null) {
          window.location.reload(); // offline longer than events are kept
          return;
        }
        cursor = Math.max(cursor || 0, frame.cursor);
        root.setAttribute("data-live", "ready");
      }
    };
    socket.onclose = function (event) {
      window.clearInterval(pingTimer);
      socket = null;
      root.setAttribute("data-live", "closed");
      if (event.code >= 4400 && event.code < 4500) {
        stopped = true; // signed out / suspended: the next page load says why
        return;
      }
      scheduleReconnect();
    };
  }

  function scheduleReconnect() {
    if (stopped || retryTimer) return;
    // Exponential backoff with jitter, so a restarted server is not hit by every page at once.
    var wait = retryDelay * (0.5 + Math.random());
    retryDelay = Math.min(retryDelay * 2, 30000);
    retryTimer = window.setTimeout(connect, wait);
  }

  // --- what each kind of event changes -----------------------------------------------

  var handlers = {
    message: function (data) {
      refresh("message"); // the contracts list's unread counts
      var section = contractSection(data.contract_id);
      if (!section || document.getElementById("message-" + Number(data.message_id))) return;
      var thread = section.querySelector("#thread");
      if (!thread) {
        thread = el("ol", "list-plain thread");
        thread.id = "thread";
        thread.setAttribute("aria-live", "polite");
        var empty = section.querySelector(".empty");
        if (empty) empty.replaceWith(thread);
        else section.insertBefore(thread, section.querySelector("form"));
      }
      thread.appendChild(messageItem(data));
      thread.scrollTop = thread.scrollHeight;
      if (Number(data.author_id) !== me) markSeen(section, Number(data.message_id));
    },
    // The other side has had my message on screen: "Seen" moves under it.
    "messages.seen": function (data) {
      var section = contractSection(data.contract_id);
      var item = document.getElementById("message-" + Number(data.message_id));
      if (!section || !item || !section.contains(item)) return;
      var old = document.getElementById("seen-mark");
      if (old) old.remove();
      var mark = el("p", "thread-seen muted", (section.getAttribute("data-seen-label") || "Seen") + " · ");
      mark.id = "seen-mark";
      var when = new Date(data.seen_at);
      var time = el("time", "", isNaN(when) ? "" : when.toLocaleString(root.lang || undefined));
      time.setAttribute("datetime", data.seen_at);
      mark.appendChild(time);
      item.appendChild(mark);
    },
    // I read a thread on another page: the contracts list drops its "new messages".
    "messages.read": function () {
      refresh("messages.read");
    },
    notification: function (data) {
      setBadge(Number(data.unread) || 0);
      refresh("notification");
    },
    bid: function (data) {
      refresh("bid", "data-live-job", data.job_id);
    },
    interview: function (data) {
      refresh("interview", "data-live-interview", data.interview_id);
    }
  };

  function apply(kind, data) {
    if (handlers[kind]) handlers[kind](data);
    document.dispatchEvent(new CustomEvent("live:" + kind, { detail: data }));
  }

  function contractSection(id) {
    return document.querySelector('[data-live-contract="' + Number(id) + '"]');
  }

  // A message shown here while the page is visible has been seen: tell the server (once
  // per burst, the newest id), which tells the other side. A hidden page waits until it
  // is looked at again.
  var unseen = {}; // contract section's seen URL -> newest message id not yet reported
  var seenTimer = null;

  function markSeen(section, messageId) {
    var url = section.getAttribute("data-seen-url");
    if (!url) return; // staff read without marking
    unseen[url] = Math.max(unseen[url] || 0, messageId);
    if (document.visibilityState === "visible" && !seenTimer) {
      seenTimer = window.setTimeout(sendSeen, 300);
    }
  }

  function sendSeen() {
    seenTimer = null;
    if (document.visibilityState !== "visible") return;
    Object.keys(unseen).forEach(function (url) {
      var token = document.querySelector('input[name="csrfmiddlewaretoken"]');
      if (!token) return;
      var form = new FormData();
      form.append("csrfmiddlewaretoken", token.value);
      form.append("message", String(unseen[url]));
      delete unseen[url];
      window.fetch(url, {
        method: "POST", credentials: "same-origin", body: form, headers: { "X-CSRFToken": token.value }
      }).catch(function () {}); // the next visit to the page marks it anyway
    });
  }

  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && !seenTimer && Object.keys(unseen).length) {
      seenTimer = window.setTimeout(sendSeen, 300);
    }
  });

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text; // never HTML: people wrote it
    return node;
  }

  function fileSize(bytes) {
    var units = ["bytes", "KB", "MB", "GB"];
    var size = Number(bytes) || 0;
    var unit = 0;
    while (size >= 1024 && unit < units.length - 1) {
      size /= 1024;
      unit += 1;
    }
    return (unit ? size.toFixed(1) : String(size)) + "\u00a0" + units[unit];
  }

  function messageItem(data) {
    var mine = Number(data.author_id) === me;
    var item = el("li", "thread-message" + (mine ? " is-mine" : " is-unread"));
    item.id = "message-" + Number(data.message_id);
    var meta = el("p", "thread-meta");
    meta.appendChild(el("strong", "", data.author_name));
    meta.appendChild(document.createTextNode(" · "));
    var when = new Date(data.created_at);
    var time = el("time", "", isNaN(when) ? "" : when.toLocaleString(root.lang || undefined));
    time.setAttribute("datetime", data.created_at);
    meta.appendChild(time);
    item.appendChild(meta);
    if (data.body) {
      var text = el("div", "thread-body");
      String(data.body).split("\n").forEach(function (line, index) {
        if (index) text.appendChild(document.createElement("br"));
        text.appendChild(document.createTextNode(line));
      });
      item.appendChild(text);
    }
    var files = data.files || [];
    if (files.length) {
      var list = el("ul", "list-plain file-list");
      files.forEach(function (file) {
        var row = el("li");
        var link = el("a", "", file.name);
        if (String(file.url).charAt(0) === "/") link.href = file.url; // our own paths only
        row.appendChild(link);
        row.appendChild(document.createTextNode(" "));
        row.appendChild(el("span", "muted", "(" + fileSize(file.size) + ")"));
        list.appendChild(row);
      });
      item.appendChild(list);
    }
    return item;
  }

  function setBadge(count) {
    document.querySelectorAll(".notification-link").forEach(function (link) {
      var badge = link.querySelector(".badge");
      var label = link.querySelector(".visually-hidden");
      if (!count) {
        if (badge) badge.remove();
        if (label) label.remove();
        return;
      }
      if (!badge) {
        link.appendChild(document.createTextNode(" "));
        badge = link.appendChild(el("span", "badge"));
      }
      if (!label) label = link.appendChild(el("span", "visually-hidden"));
      badge.textContent = count > 99 ? "99+" : String(count);
      label.textContent = (link.getAttribute("data-unread-label") || "(__N__)").replace("__N__", count);
    });
  }

  // Regions marked data-live-refresh="<kinds>" are fetched again from this very URL (so
  // the server renders them for this viewer, as on a reload) and swapped in place.
  var pending = {};

  function refresh(kind, attribute, value) {
    attribute = attribute || "data-live-none";
    document.querySelectorAll("[data-live-refresh]").forEach(function (region) {
      if (region.getAttribute("data-live-refresh").split(" ").indexOf(kind) === -1) return;
      // A region about one job or interview refreshes for that one only.
      if (region.hasAttribute(attribute) && region.getAttribute(attribute) !== String(value)) return;
      if (pending[region.id]) return;
      pending[region.id] = window.setTimeout(function () {
        fetchRegion(region.id);
      }, 150);
    });
  }

  function fetchRegion(id) {
    window.fetch(window.location.href, { credentials: "same-origin", headers: { "X-Live-Refresh": "1" } })
      .then(function (response) {
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        delete pending[id];
        var current = document.getElementById(id);
        if (!html || !current) return;
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById(id);
        var active = document.activeElement;
        // Never pull a form out from under someone typing in it; the next event retries.
        if (!fresh || (active && current.contains(active) && /INPUT|TEXTAREA|SELECT/.test(active.tagName))) return;
        current.replaceWith(document.importNode(fresh, true));
      })
      .catch(function () {
        delete pending[id];
      });
  }

  // Leaving the page closes the socket; coming back (back/forward cache) resumes by cursor.
  window.addEventListener("pagehide", function () {
    if (socket) socket.close(1000);
  });
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) connect();
  });
  window.addEventListener("online", function () {
    retryDelay = 1000;
    if (!socket && retryTimer) {
      window.clearTimeout(retryTimer);
      connect();
    }
  });

  connect();
})();
