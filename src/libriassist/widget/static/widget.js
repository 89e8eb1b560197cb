/*! LibriAssist chat widget. Vanilla JS, no dependencies, no build step.
 *
 * Install:
 *   <script>window.LIBRIASSIST_CONFIG = {apiKey: "pk_...", backendUrl: "https://host"};</script>
 *   <script src="https://host/widget.js" async></script>
 * Options: apiKey (required), backendUrl, language (fr|en|es|ar|ary), position
 * ("bottom-right"|"bottom-left"), primaryColor ("#hex"), userToken. The script tag may carry
 * data-api-key, data-backend-url and data-language instead.
 * Page API (the only global): window.LibriAssist.open() / close() / toggle() /
 * newConversation() / setUserToken(t) / setLanguage(l) / on(event, fn).
 */
(function () {
  'use strict';
  // Only set while this file first runs, so it must be read before anything asynchronous.
  var script = document.currentScript || document.querySelector('script[src*="widget.js"]');
  if (window.LibriAssist || document.getElementById('libriassist-root')) return;

  var LANGS = ['fr', 'en', 'es', 'ar', 'ary'];
  var ERRORS = ['origin_not_allowed', 'invalid_api_key', 'rate_limited', 'quota_exceeded',
    'message_too_long', 'network_error', 'server_error'];
  // Sending the very same message again can only help for these.
  var RETRYABLE = {rate_limited: 1, network_error: 1, server_error: 1};
  var EVENTS = ['open', 'close', 'message', 'reply', 'error', 'reauth_required'];
  var BATCH = 50;
  // Speech locales: Darija has no recogniser or voice of its own in most browsers, Moroccan
  // Arabic (ar-MA) is the nearest; a voice is then picked by locale, else by language.
  var VOICE_LANG = {fr: 'fr-FR', en: 'en-US', es: 'es-ES', ar: 'ar-SA', ary: 'ar-MA'};
  var SPEAK_KEY = 'libriassist:speak';
  // Each language in its own words, for the visitor's language menu.
  var LANG_NAMES = {fr: 'Français', en: 'English', es: 'Español', ar: 'العربية', ary: 'الدارجة'};

  var I18N = {
    en: {
      mic: 'Speak your message', listening: 'Listening…', speak: 'Read replies aloud',
      voice_denied: 'The microphone is not allowed. You can type your message instead.',
      voice_nospeech: 'I did not hear anything. Try again or type your message.',
      voice_failed: 'Voice input did not work. You can type your message instead.',
      invalid_user_token: 'Your session has expired. Please log in again.',
      anon: 'Continue anonymously', rate_wait: 'Too many messages. Please wait {s} s and try again.',
      up: 'Helpful', down: 'Not helpful', comment: 'What went wrong? (optional)',
      thanks: 'Thank you for your feedback!',
      title: 'Support', open: 'Open chat', placeholder: 'Type your message…', send: 'Send',
      close: 'Close', newChat: 'New conversation', language: 'Language', typing: 'The assistant is typing…',
      retry: 'Retry', sources: 'Sources',
      origin_not_allowed: 'This chat is not available on this website.',
      invalid_api_key: 'This chat is not set up correctly. Please try again later.',
      rate_limited: 'You are sending messages too quickly. Please wait a moment and try again.',
      quota_exceeded: 'The assistant is unavailable right now. Please try again later.',
      message_too_long: 'Your message is too long. Please shorten it and try again.',
      network_error: 'Connection problem. Check your internet connection and try again.',
      server_error: 'Something went wrong. Please try again.'
    },
    fr: {
      mic: 'Dicter votre message', listening: 'Je vous écoute…', speak: 'Lire les réponses à voix haute',
      voice_denied: 'Le micro n’est pas autorisé. Vous pouvez écrire votre message.',
      voice_nospeech: 'Je n’ai rien entendu. Réessayez ou écrivez votre message.',
      voice_failed: 'La saisie vocale n’a pas fonctionné. Vous pouvez écrire votre message.',
      invalid_user_token: 'Votre session a expiré. Veuillez vous reconnecter.',
      anon: 'Continuer sans compte', rate_wait: 'Trop de messages. Patientez {s} s puis réessayez.',
      up: 'Utile', down: 'Pas utile', comment: 'Qu’est-ce qui n’allait pas ? (facultatif)',
      thanks: 'Merci pour votre avis !',
      title: 'Assistance', open: 'Ouvrir la discussion', placeholder: 'Écrivez votre message…',
      send: 'Envoyer', close: 'Fermer', newChat: 'Nouvelle conversation', language: 'Langue',
      typing: 'L’assistant écrit…', retry: 'Réessayer', sources: 'Sources',
      origin_not_allowed: 'Cette discussion n’est pas disponible sur ce site.',
      invalid_api_key: 'Cette discussion est mal configurée. Veuillez réessayer plus tard.',
      rate_limited: 'Vous envoyez des messages trop vite. Patientez un instant puis réessayez.',
      quota_exceeded: 'L’assistant n’est pas disponible pour le moment. Veuillez réessayer plus tard.',
      message_too_long: 'Votre message est trop long. Raccourcissez-le puis réessayez.',
      network_error: 'Problème de connexion. Vérifiez votre connexion Internet puis réessayez.',
      server_error: 'Une erreur est survenue. Veuillez réessayer.'
    },
    es: {
      mic: 'Dictar tu mensaje', listening: 'Te escucho…', speak: 'Leer las respuestas en voz alta',
      voice_denied: 'El micrófono no está permitido. Puedes escribir tu mensaje.',
      voice_nospeech: 'No he oído nada. Inténtalo de nuevo o escribe tu mensaje.',
      voice_failed: 'La entrada de voz no ha funcionado. Puedes escribir tu mensaje.',
      invalid_user_token: 'Tu sesión ha caducado. Vuelve a iniciar sesión.',
      anon: 'Continuar sin cuenta', rate_wait: 'Demasiados mensajes. Espera {s} s e inténtalo de nuevo.',
      up: 'Útil', down: 'No útil', comment: '¿Qué ha fallado? (opcional)',
      thanks: '¡Gracias por tu opinión!',
      title: 'Asistencia', open: 'Abrir el chat', placeholder: 'Escribe tu mensaje…',
      send: 'Enviar', close: 'Cerrar', newChat: 'Nueva conversación', language: 'Idioma',
      typing: 'El asistente está escribiendo…', retry: 'Reintentar', sources: 'Fuentes',
      origin_not_allowed: 'Este chat no está disponible en este sitio web.',
      invalid_api_key: 'Este chat no está bien configurado. Inténtalo más tarde.',
      rate_limited: 'Estás enviando mensajes demasiado rápido. Espera un momento e inténtalo de nuevo.',
      quota_exceeded: 'El asistente no está disponible en este momento. Inténtalo más tarde.',
      message_too_long: 'Tu mensaje es demasiado largo. Acórtalo e inténtalo de nuevo.',
      network_error: 'Problema de conexión. Comprueba tu conexión a internet e inténtalo de nuevo.',
      server_error: 'Algo salió mal. Inténtalo de nuevo.'
    },
    ar: {
      mic: 'إملاء الرسالة بالصوت', listening: 'جارٍ الاستماع…', speak: 'قراءة الردود بصوت عالٍ',
      voice_denied: 'الميكروفون غير مسموح به. يمكنك كتابة رسالتك بدلًا من ذلك.',
      voice_nospeech: 'لم أسمع شيئًا. حاول مجددًا أو اكتب رسالتك.',
      voice_failed: 'لم يعمل الإدخال الصوتي. يمكنك كتابة رسالتك بدلًا من ذلك.',
      invalid_user_token: 'انتهت صلاحية جلستك. يرجى تسجيل الدخول مجددًا.',
      anon: 'المتابعة دون تسجيل الدخول', rate_wait: 'رسائل كثيرة جدًا. يرجى الانتظار {s} ثانية ثم المحاولة مجددًا.',
      up: 'مفيد', down: 'غير مفيد', comment: 'ما المشكلة؟ (اختياري)',
      thanks: 'شكرًا على ملاحظتك!',
      title: 'المساعدة', open: 'فتح المحادثة', placeholder: 'اكتب رسالتك…', send: 'إرسال',
      close: 'إغلاق', newChat: 'محادثة جديدة', language: 'اللغة', typing: 'المساعد يكتب…',
      retry: 'إعادة المحاولة', sources: 'المصادر',
      origin_not_allowed: 'هذه المحادثة غير متاحة على هذا الموقع.',
      invalid_api_key: 'هذه المحادثة غير مهيأة بشكل صحيح. يرجى المحاولة لاحقًا.',
      rate_limited: 'أنت ترسل الرسائل بسرعة كبيرة. يرجى الانتظار قليلًا ثم المحاولة مجددًا.',
      quota_exceeded: 'المساعد غير متاح حاليًا. يرجى المحاولة لاحقًا.',
      message_too_long: 'رسالتك طويلة جدًا. يرجى اختصارها ثم المحاولة مجددًا.',
      network_error: 'مشكلة في الاتصال. تحقق من اتصالك بالإنترنت ثم حاول مجددًا.',
      server_error: 'حدث خطأ ما. يرجى المحاولة مجددًا.'
    },
    ary: {
      mic: 'كتب الرسالة بالصوت', listening: 'كنسمع ليك…', speak: 'قرا الأجوبة بالصوت',
      voice_denied: 'الميكرو ماشي مسموح ليه. تقدر تكتب الرسالة ديالك.',
      voice_nospeech: 'ما سمعت والو. عاود جرب ولا كتب الرسالة ديالك.',
      voice_failed: 'الصوت ما خدمش. تقدر تكتب الرسالة ديالك.',
      invalid_user_token: 'الجلسة ديالك سالات. عافاك دخل للحساب ديالك من جديد.',
      anon: 'كمّل بلا حساب', rate_wait: 'بزاف ديال الرسائل. تسنى {s} ثانية وعاود جرب.',
      up: 'مفيد', down: 'ماشي مفيد', comment: 'شنو ماعجبكش؟ (اختياري)',
      thanks: 'شكرا على الرأي ديالك!',
      title: 'المساعدة', open: 'حل الشات', placeholder: 'كتب الرسالة ديالك…', send: 'صيفط',
      close: 'سد', newChat: 'محادثة جديدة', language: 'اللغة', typing: 'المساعد كيكتب…',
      retry: 'عاود جرب', sources: 'المصادر',
      origin_not_allowed: 'هاد الشات ما خدامش فهاد الموقع.',
      invalid_api_key: 'هاد الشات ماشي مضبوط مزيان. عاود جرب من بعد.',
      rate_limited: 'راك كتصيفط الرسائل بزربة. تسنى شوية وعاود جرب.',
      quota_exceeded: 'المساعد ما متوفرش دابا. عاود جرب من بعد.',
      message_too_long: 'الرسالة ديالك طويلة بزاف. قصّرها وعاود جرب.',
      network_error: 'كاين مشكل فالاتصال. شوف الأنترنيت ديالك وعاود جرب.',
      server_error: 'وقع شي مشكل. عاود جرب.'
    }
  };

  var user = window.LIBRIASSIST_CONFIG || {};
  var data = (script && script.dataset) || {};
  var apiKey = user.apiKey || data.apiKey;
  if (!apiKey) {
    console.warn('[LibriAssist] No API key: set window.LIBRIASSIST_CONFIG = {apiKey: "pk_..."} ' +
      '(or data-api-key on the script tag) before widget.js loads. The chat widget is not started.');
    return;
  }
  apiKey = String(apiKey);
  var base = String(user.backendUrl || data.backendUrl || scriptOrigin() || location.origin)
    .replace(/\/+$/, '');

  function scriptOrigin() {
    try { return new URL(script.src, location.href).origin; } catch (e) { return null; }
  }
  function langOf(code) {
    var l = String(code || '').toLowerCase().split(/[-_]/)[0];
    return LANGS.indexOf(l) >= 0 ? l : null;
  }
  // What the visitor or site asks for; the tenant's enabled languages get the last word.
  // The visitor's own pick in the widget's menu comes first (a Darija speaker on a French
  // site keeps Darija across pages), then the site's config, its <html lang>, the browser.
  var LANG_KEY = 'libriassist:lang:' + apiKey;
  var picked = null;
  try { picked = langOf(localStorage.getItem(LANG_KEY)); } catch (e) { /* blocked */ }
  var hint = picked || langOf(user.language || data.language) ||
    langOf(document.documentElement.lang) || langOf(navigator.language);

  // Session survives reloads; storage may be blocked (privacy modes, sandboxed iframes).
  var SKEY = 'libriassist:session:' + apiKey;
  var session = null;
  try { session = JSON.parse(localStorage.getItem(SKEY)); } catch (e) { /* blocked */ }
  if (!session || !session.session_id) session = null;
  function saveSession(s) {
    session = s;
    try { localStorage.setItem(SKEY, JSON.stringify(s)); } catch (e) { /* blocked */ }
  }
  function clearSession() {
    session = null;
    try { localStorage.removeItem(SKEY); } catch (e) { /* blocked */ }
  }

  // Read at each request: the page may change LIBRIASSIST_CONFIG.userToken or call
  // setUserToken. "Continue anonymously" drops it for this page until a new one is set.
  var anonymous = false;
  function userToken() { return !anonymous && user.userToken ? String(user.userToken) : null; }
  function headers(withSession, extra, asShopper) {
    var h = {'X-API-Key': apiKey};
    if (asShopper && userToken()) h.Authorization = 'Bearer ' + userToken();
    if (withSession && session && session.session_token) h['X-Session-Token'] = session.session_token;
    return Object.assign(h, extra);
  }
  // Maps a failed response to {code: one of ERRORS, invalid_user_token (log in again) or
  // conversation_not_found (handled by the caller), wait: Retry-After seconds, reason}.
  function failure(res) {
    return res.json().then(function (j) { return j && j.error; }, function () {})
      .then(function (e) {
        var c = e && e.code, d = (e && e.details) || {};
        var wait = parseInt(res.headers.get('Retry-After'), 10) || 0;
        if (c === 'invalid_user_token' && d.reauth_required) { /* kept */ }
        else if (c === 'payload_too_large' || res.status === 413) c = 'message_too_long';
        else if (c !== 'conversation_not_found' && ERRORS.indexOf(c) < 0) {
          c = res.status === 429 ? 'rate_limited' : 'server_error';
        }
        return {code: c, wait: wait, reason: d.reason};
      });
  }

  async function fetchConfig() {
    var ctl = new AbortController();
    var timer = setTimeout(function () { ctl.abort(); }, 15000);
    try {
      var res = await fetch(base + '/api/v1/widget/config',
        {headers: headers(false), signal: ctl.signal, credentials: 'omit'});
      if (res.ok) return {cfg: await res.json()};
      var code = (await failure(res)).code;
      // Meant for whoever installs the widget: visitors only see a friendly notice.
      console.warn('[LibriAssist] Widget configuration refused (' + code + ', HTTP ' + res.status +
        '). Check the API key and that this website\'s origin is allowed for the tenant.');
      return {err: code};
    } catch (e) {
      return {err: 'network_error'};
    } finally {
      clearTimeout(timer);
    }
  }

  var ready = Promise.all([
    fetchConfig(),
    new Promise(function (resolve) {
      if (document.body) resolve();
      else document.addEventListener('DOMContentLoaded', resolve);
    })
  ]).then(function (r) { mount(r[0]); });

  function later(fn) { return function () { ready.then(fn); }; }
  var ui = null;
  var listeners = {};
  function emit(name, detail) {
    (listeners[name] || []).slice().forEach(function (fn) {
      try { fn(detail || {}); } catch (e) { console.error(e); } // the page's bug is not ours
    });
  }
  window.LibriAssist = {
    open: later(function () { ui.setOpen(true); }),
    close: later(function () { ui.setOpen(false); }),
    toggle: later(function () { ui.setOpen(!ui.isOpen()); }),
    newConversation: later(function () { ui.reset(); }),
    setUserToken: function (t) {
      var loggedOut = userToken() && !t;
      anonymous = false;
      user.userToken = t ? String(t) : null;
      // A shopper's conversation is theirs: after logging out it is not shown to whoever
      // uses the browser next.
      if (loggedOut) { if (ui) ui.reset(); else clearSession(); }
    },
    setLanguage: function (l) {
      var x = langOf(l);
      if (!x) return console.warn('[LibriAssist] Unknown language: ' + l + ' (use ' + LANGS + ').');
      hint = x;
      if (ui) ui.setLang(x);
    },
    // Returns a function that removes the listener.
    on: function (name, fn) {
      if (EVENTS.indexOf(name) < 0 || typeof fn !== 'function') {
        return console.warn('[LibriAssist] Unknown event: ' + name + ' (use ' + EVENTS + ').');
      }
      (listeners[name] = listeners[name] || []).push(fn);
      return function () {
        var i = listeners[name].indexOf(fn);
        if (i >= 0) listeners[name].splice(i, 1);
      };
    }
  };

  // ---------------------------------------------------------------- analytics
  // Queued and sent in batches; never allowed to disturb the chat, so every failure is
  // swallowed. The key rides in the query string because a beacon cannot set headers.
  var EVENTS_URL = base + '/api/v1/analytics/events?key=' + encodeURIComponent(apiKey);
  var queue = [], flushTimer = null, lang = hint || 'en';
  var openMs = 0, openSince = 0, reported = false;
  function track(type, extra) {
    queue.push(Object.assign({type: type, at: new Date().toISOString(),
      session_id: session ? session.session_id : null, language: lang}, extra));
    if (queue.length >= BATCH) flush(false);
    else if (!flushTimer) flushTimer = setTimeout(function () { flush(false); }, 2000);
  }
  function flush(leaving) {
    clearTimeout(flushTimer);
    flushTimer = null;
    while (queue.length) {
      // A string body makes a text/plain request: no CORS preflight, for fetch or beacon.
      var body = JSON.stringify({events: queue.splice(0, BATCH)});
      try {
        if (leaving && navigator.sendBeacon && navigator.sendBeacon(EVENTS_URL, body)) continue;
        fetch(EVENTS_URL, {method: 'POST', body: body, keepalive: true, credentials: 'omit'})
          .catch(function () {});
      } catch (e) { /* analytics never break the page */ }
    }
  }
  function panelTime(opening) {
    var now = Date.now();
    if (openSince) openMs += now - openSince;
    openSince = opening ? now : 0;
  }
  // "hidden" comes first on most unloads, then "pagehide": report once until shown again.
  function leave() {
    if (reported) return;
    reported = true;
    if (openSince) panelTime(true);
    if (openMs) track('session_duration', {duration_ms: openMs});
    openMs = 0;
    flush(true);
  }
  document.addEventListener('visibilitychange', function () {
    if (document.visibilityState === 'hidden') leave(); else reported = false;
  });
  window.addEventListener('pagehide', leave);
  window.addEventListener('pageshow', function () { reported = false; });

  // ---------------------------------------------------------------- DOM helpers
  function h(tag, attrs, kids) {
    var el = document.createElement(tag);
    for (var k in attrs) if (attrs[k] != null) el.setAttribute(k, attrs[k]);
    (kids || []).forEach(function (c) { el.append(c); });
    return el;
  }
  function icon(d, filled) {
    var NS = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    if (filled) svg.setAttribute('class', 'f');
    var p = document.createElementNS(NS, 'path');
    p.setAttribute('d', d);
    svg.append(p);
    return svg;
  }
  var ICON_CHAT = 'M5 3h14a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H10l-5 4v-4a2 2 0 0 1-2-2V5a2 2 0 0 1 2-2z';
  var ICON_X = 'M6 6l12 12M18 6L6 18';
  var ICON_PLUS = 'M12 5v14M5 12h14';
  var ICON_MIC = 'M12 3a3 3 0 0 0-3 3v5a3 3 0 0 0 6 0V6a3 3 0 0 0-3-3zM5.5 11a6.5 6.5 0 0 0 13 0M12 17.5V21';
  var ICON_SPK = 'M11 5L6 9H3v6h3l5 4zM15.5 8.5a5 5 0 0 1 0 7M18.5 5.5a9 9 0 0 1 0 13';
  var ICON_MUTE = 'M11 5L6 9H3v6h3l5 4zM16 9.5l5 5M21 9.5l-5 5';
  var ICON_SEND = 'M3.4 20.4l17.45-7.48a1 1 0 0 0 0-1.84L3.4 3.6a.99.99 0 0 0-1.39.91L2 9.12c0 ' +
    '.5.37.93.87.99L17 12 2.87 13.88c-.5.07-.87.5-.87 1l.01 4.61c0 .71.73 1.2 1.39.91z';

  function link(href, label) {
    var a = h('a', {href: href, target: '_blank', rel: 'noopener noreferrer'});
    a.textContent = label;
    return a;
  }
  // ---------------------------------------------------------------- Markdown subset
  // Replies may use **bold**, *italic*, `code`, ``` blocks, "- " and "1. " lists (nested by
  // indenting), | tables |, --- rules, # lines (shown bold), [links](url) and bare URLs.
  // Everything is built as nodes with text set as text, never parsed as HTML, so markup in
  // a reply stays visible text; and a link is made only for an absolute http(s) or mailto
  // URL, written plainly: anything else (javascript:, data:, relative, "//host", entities,
  // hidden control characters) stays text.
  function safeHref(u) {
    if (!/^(https?:\/\/[^/\\]|mailto:[^/\\])/i.test(u) || /[\s\x00-\x1f\x7f-\x9f\\]/.test(u)) {
      return null;
    }
    try {
      var x = new URL(u);
      return /^(https?|mailto):$/.test(x.protocol) ? x.href : null;
    } catch (e) { return null; }
  }
  var FENCE = /^ {0,3}(`{3,}|~{3,})(.*)$/;
  var ITEM = /^([ \t]*)(?:([-*+])|(\d{1,9})[.)])[ \t]+(.*)$/;
  var HEADING = /^ {0,3}#{1,6}[ \t]+(.*?)[ \t#]*$/;
  var RULE = /^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$/;
  // Tested on the trimmed line: no two parts that can match the same spaces (linear).
  var DELIMITER = /^\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)*\|?$/;
  var MAX_COLUMNS = 30; // wider is not a table: padding short rows must stay bounded
  var BARE = /https?:\/\/[^\s<>"'`]+/iy;
  var PUNCT = /[\p{P}\p{S}]/u;

  // A table row's cells: split on "|" not escaped as "\|", outer pipes dropped.
  function cells(line) {
    var t = line.trim(), out = [], cur = '';
    if (t[0] === '|') t = t.slice(1);
    if (t[t.length - 1] === '|' && t[t.length - 2] !== '\\') t = t.slice(0, -1);
    for (var i = 0; i < t.length; i++) {
      if (t[i] === '\\' && t[i + 1] === '|') { cur += '|'; i++; }
      else if (t[i] === '|') { out.push(cur.trim()); cur = ''; }
      else cur += t[i];
    }
    out.push(cur.trim());
    return out;
  }
  function table(head, delimiter, rows) {
    var align = cells(delimiter).map(function (d) {
      return /^:-+:$/.test(d) ? 'center' : /-:$/.test(d) ? 'right' : null;
    });
    function row(line, tag) {
      var found = cells(line);
      return h('tr', null, align.map(function (a, k) {
        var cell = h(tag, a ? {align: a} : null);
        inline(cell, found[k] || '');
        return cell;
      }));
    }
    return h('table', null, [
      h('thead', null, [row(head, 'th')]),
      h('tbody', null, rows.map(function (r) { return row(r, 'td'); })),
    ]);
  }

  function markdown(text) {
    var out = document.createDocumentFragment(), lines = text.split(/\r\n?|\n/);
    // Open lists, outermost first: {el, indent (of its markers), parent, li (its last item)}.
    var para = null, lists = [], li = null, m;
    // Ends the paragraph or list item being read; a blank line keeps the lists open for a
    // next item ("1. a", "", "2. b" is one list).
    function close(keepList) {
      if (para) inline(li || out.appendChild(h('p')), para.join('\n'));
      para = li = null;
      if (!keepList) lists = [];
    }
    for (var i = 0; i < lines.length; i++) {
      var l = lines[i];
      if ((m = FENCE.exec(l)) && (m[1][0] === '~' || m[2].indexOf('`') < 0)) {
        close();
        var code = [], f;
        while (++i < lines.length) {
          f = FENCE.exec(lines[i]);
          if (f && f[1][0] === m[1][0] && f[1].length >= m[1].length && !f[2].trim()) break;
          code.push(lines[i]);
        }
        out.append(h('pre', null, [h('code', null, [code.join('\n')])]));
      } else if (!l.trim()) {
        close(true);
      } else if (RULE.test(l)) {
        close();
        out.append(h('hr'));
      } else if (l.indexOf('|') >= 0 && i + 1 < lines.length &&
                 lines[i + 1].indexOf('|') >= 0 && DELIMITER.test(lines[i + 1].trim()) &&
                 cells(l).length <= MAX_COLUMNS &&
                 cells(lines[i + 1]).length === cells(l).length) {
        // Indented under a list item, the table belongs to that item.
        var under = lists[lists.length - 1];
        var inItem = under && under.li && l.match(/^[ \t]*/)[0].replace(/\t/g, '    ').length >=
          under.indent + 2;
        close(inItem);
        var head = l, delimiter = lines[++i], rows = [];
        while (i + 1 < lines.length && lines[i + 1].trim() && lines[i + 1].indexOf('|') >= 0) {
          rows.push(lines[++i]);
        }
        // Its own box scrolls sideways when the table is wider than the bubble.
        (inItem ? under.li : out).append(h('div', null, [table(head, delimiter, rows)]));
      } else if ((m = ITEM.exec(l))) {
        var tag = m[2] ? 'ul' : 'ol', indent = m[1].replace(/\t/g, '    ').length;
        var start = tag === 'ol' && +m[3] !== 1 ? {start: String(+m[3])} : null;
        close(true);
        while (lists.length && indent < lists[lists.length - 1].indent) lists.pop();
        var top = lists[lists.length - 1];
        if (top && indent >= top.indent + 2 && top.li) {
          // Indented under the last item: a list inside it.
          top = {el: top.li.appendChild(h(tag, start)), indent: indent, parent: top.li};
          lists.push(top);
        } else if (!top || top.el.localName !== tag) {
          var parent = top ? top.parent : out;
          if (top) lists.pop();
          top = {el: parent.appendChild(h(tag, start)), indent: indent, parent: parent};
          lists.push(top);
        }
        li = top.li = top.el.appendChild(h('li'));
        para = [m[4]];
      } else if ((m = HEADING.exec(l))) {
        close();
        inline(out.appendChild(h('p')).appendChild(h('strong')), m[1]);
      } else {
        if (li && !/^[ \t]/.test(l)) close(); // an indented line continues the item
        if (!para) { para = []; lists = []; }
        para.push(l.trim());
      }
    }
    close();
    return out;
  }

  // 2 = space (or the edge of the text), 1 = punctuation, 0 = anything else.
  function kind(c) { return c === undefined || /\s/.test(c) ? 2 : PUNCT.test(c) ? 1 : 0; }
  function addText(el, t) {
    t.split('\n').forEach(function (p, k) {
      if (k) el.append(h('br'));
      if (p) el.append(p);
    });
  }
  // Drops trailing punctuation a sentence puts after a URL; keeps a ")" the URL opened.
  function trimUrl(u) {
    var extra = (u.match(/\)/g) || []).length - (u.match(/\(/g) || []).length;
    for (;;) {
      var c = u[u.length - 1];
      if (/[.,;:!?'"»\]}*_~]/.test(c) || (c === ')' && extra-- > 0)) u = u.slice(0, -1);
      else return u;
    }
  }
  // One pass, linear: code spans, links and bare URLs are cut out where they start;
  // * and _ runs go on a stack per character and a closing run wraps what follows its
  // opener (CommonMark's flanking rules, so snake_case and 2*3*4 stay as written).
  function inline(parent, s, inLink) {
    var text = '', stacks = {'*': [], '_': []}, noCloser = {}, match = {}, open = [], i, c;
    for (i = 0; i < s.length && !inLink; i++) {
      c = s[i];
      if (c === '\\') i++;
      else if (c === '[') open.push(i);
      else if (c === ']' && open.length) match[open.pop()] = i;
    }
    function flush() { if (text) addText(parent, text); text = ''; }
    for (i = 0; i < s.length;) {
      c = s[i];
      var n = 1, j, k;
      while (s[i + n] === c && (c === '`' || c === '*' || c === '_')) n++;
      if (c === '\\' && /[!-/:-@[-`{-~]/.test(s[i + 1] || '')) {
        text += s[i + 1];
        i += 2;
      } else if (c === '`') {
        var run = s.substr(i, n);
        for (j = noCloser[n] ? -1 : s.indexOf(run, i + n); j >= 0; j = s.indexOf(run, k)) {
          for (k = j; s[k] === '`';) k++;
          if (k - j === n) break;
        }
        if (j < 0) {
          noCloser[n] = 1; // none after here, nor after any later run of this length
          text += run;
          i += n;
        } else {
          var body = s.slice(i + n, j).replace(/\n/g, ' ');
          if (/^ .*[^ ].* $/.test(body)) body = body.slice(1, -1);
          flush();
          parent.append(h('code', null, [body]));
          i = j + n;
        }
      } else if (c === '[' && match[i] && s[match[i] + 1] === '(') {
        j = match[i];
        var depth = 0, href = null;
        for (k = j + 2; k < s.length && k < j + 2050 && !/\s/.test(s[k]); k++) {
          if (s[k] === '(') depth++;
          else if (s[k] === ')' && !depth--) { href = safeHref(s.slice(j + 2, k)); break; }
        }
        if (href) {
          flush();
          var a = parent.appendChild(link(href, ''));
          inline(a, s.slice(i + 1, j) || href, true);
          i = k + 1;
        } else {
          text += c;
          i++;
        }
      } else if ((c === 'h' || c === 'H') && !inLink && !/[\p{L}\p{N}]/u.test(s[i - 1] || '')) {
        BARE.lastIndex = i;
        var url = (BARE.exec(s) || [''])[0], to = trimUrl(url), ok = to && safeHref(to);
        if (ok) {
          flush();
          parent.append(link(ok, to));
          i += to.length;
        } else {
          text += c;
          i++;
        }
      } else if (c === '*' || c === '_') {
        var before = kind(s[i - 1]), after = kind(s[i + n]);
        var left = after < 2 && (!after || before), right = before < 2 && (!before || after);
        var canOpen = c === '*' ? left : left && (!right || before === 1);
        var canClose = c === '*' ? right : right && (!left || after === 1);
        var st = stacks[c], other = stacks[c === '*' ? '_' : '*'], len = n;
        flush();
        var node = parent.appendChild(document.createTextNode(s.substr(i, n)));
        while (canClose && n && st.length) {
          var o = st[st.length - 1], use = n > 1 && o.n > 1 ? 2 : 1;
          var el = h(use === 2 ? 'strong' : 'em');
          while (o.node.nextSibling && o.node.nextSibling !== node) el.append(o.node.nextSibling);
          parent.insertBefore(el, node);
          o.node.data = o.node.data.slice(use);
          node.data = node.data.slice(use);
          n -= use;
          if (!(o.n -= use)) st.pop();
          // An opener of the other kind inside the pair can no longer be closed.
          while (other.length && other[other.length - 1].at > o.at) other.pop();
        }
        if (n && canOpen) st.push({node: node, n: n, at: i});
        i += len;
      } else {
        text += c;
        i++;
      }
    }
    flush();
    return parent;
  }
  function fillText(node, text) { node.replaceChildren(markdown(String(text))); }
  // A rendered reply as plain text: blocks and line breaks as new lines; for speech, also
  // without links written as bare URLs and without citation markers like [1].
  function plainText(node, forSpeech) {
    var c = node.cloneNode(true);
    c.querySelectorAll('br').forEach(function (b) { b.replaceWith('\n'); });
    c.querySelectorAll('th,td').forEach(function (b) { b.append(' '); });
    c.querySelectorAll('p,li,pre,tr').forEach(function (b) { b.append('\n'); });
    if (forSpeech) {
      c.querySelectorAll('a').forEach(function (a) {
        if (/^(https?:|mailto:)/i.test(a.textContent)) a.remove();
      });
    }
    var t = c.textContent.replace(/[ \t]+\n/g, '\n').trim();
    return forSpeech ? t.replace(/[ \t]*\[\d{1,3}\]/g, '').replace(/[ \t]+(?=[.,;:!?؟،])/g, '') : t;
  }

  // ---------------------------------------------------------------- SSE
  // Incremental parser: chunks may split anywhere (mid-line, between "\r" and "\n").
  function sseParser(onEvent) {
    var buf = '', name = '', lines = [];
    function line(l) {
      if (!l) {
        if (lines.length) onEvent(name || 'message', lines.join('\n'));
        name = ''; lines = [];
      } else if (l[0] !== ':') { // ":" starts a comment (keep-alives)
        var i = l.indexOf(':');
        var field = i < 0 ? l : l.slice(0, i), value = i < 0 ? '' : l.slice(i + 1);
        if (value[0] === ' ') value = value.slice(1);
        if (field === 'event') name = value;
        else if (field === 'data') lines.push(value);
      }
    }
    return {
      push: function (s) {
        buf += s;
        for (;;) {
          var i = buf.search(/[\r\n]/);
          if (i < 0 || (buf[i] === '\r' && i === buf.length - 1)) return; // "\n" may follow
          line(buf.slice(0, i));
          buf = buf.slice(i + (buf[i] === '\r' && buf[i + 1] === '\n' ? 2 : 1));
        }
      },
      end: function () { if (buf) line(buf.replace(/\r$/, '')); buf = ''; line(''); }
    };
  }
  async function readSSE(res, onEvent) {
    var p = sseParser(onEvent), dec = new TextDecoder();
    if (!res.body || !res.body.getReader) { p.push(await res.text()); return p.end(); }
    var reader = res.body.getReader();
    for (;;) {
      var r = await reader.read();
      if (r.done) break;
      p.push(dec.decode(r.value, {stream: true}));
    }
    p.push(dec.decode());
    p.end();
  }

  // ---------------------------------------------------------------- colours
  function hexColor(c) {
    return typeof c === 'string' && /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.test(c.trim()) ? c.trim() : null;
  }
  // White or near-black text, whichever reads better on the brand colour (WCAG contrast).
  function onColor(hex) {
    var s = hex.slice(1);
    if (s.length === 3) s = s.replace(/./g, '$&$&');
    var L = [0, 2, 4].map(function (i) {
      var v = parseInt(s.substr(i, 2), 16) / 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    });
    var lum = 0.2126 * L[0] + 0.7152 * L[1] + 0.0722 * L[2];
    return 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.0556 ? '#ffffff' : '#111111';
  }

  var CSS = `
    /* !important: a shadow tree's important rules beat the page's, even !important ones. */
    :host{all:initial!important}
    .la{color:#1f2937;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",
      "Noto Sans Arabic",Tahoma,"Helvetica Neue",Arial,sans-serif}
    *{box-sizing:border-box}
    [hidden]{display:none!important}
    button{font:inherit;cursor:pointer;margin:0}
    svg{width:24px;height:24px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round;
      stroke-linejoin:round}
    svg.f{fill:currentColor;stroke:none}
    .launcher,.panel{position:fixed;z-index:2147483000;right:20px}
    .left .launcher,.left .panel{right:auto;left:20px}
    .launcher{bottom:20px;width:56px;height:56px;border-radius:50%;border:0;padding:0;
      background:var(--la-p);color:var(--la-on);display:flex;align-items:center;
      justify-content:center;box-shadow:0 4px 14px rgba(0,0,0,.28);transition:transform .15s}
    .launcher:hover{transform:scale(1.06)}
    .launcher svg{width:28px;height:28px}
    .panel{bottom:88px;width:380px;max-width:calc(100vw - 40px);height:600px;
      max-height:calc(100vh - 108px);display:flex;flex-direction:column;background:#fff;
      border-radius:14px;box-shadow:0 12px 40px rgba(0,0,0,.28);overflow:hidden}
    .head{display:flex;align-items:center;gap:2px;padding:10px;padding-inline-start:16px;
      background:var(--la-p);color:var(--la-on);flex:none}
    /* A long name takes two lines before it is cut (the full name is its tooltip). */
    .title{flex:1;min-width:0;margin:0;font-size:16px;font-weight:600;line-height:1.25;
      display:-webkit-box;-webkit-box-orient:vertical;-webkit-line-clamp:2;overflow:hidden;
      overflow-wrap:anywhere}
    .ib{background:none;border:0;color:inherit;width:36px;height:36px;border-radius:8px;
      display:flex;align-items:center;justify-content:center;padding:0}
    .ib:hover{background:rgba(127,127,127,.25)}
    .lang{background:none;color:inherit;border:1px solid currentColor;border-radius:8px;
      height:32px;max-width:110px;padding:0 4px;margin-inline-end:4px;font:inherit;
      font-size:13px;cursor:pointer}
    .lang option{color:#0f172a;background:#fff}
    .ib svg{width:20px;height:20px}
    .list{flex:1;overflow-y:auto;padding:16px;display:flex;flex-direction:column;gap:10px;
      overscroll-behavior:contain}
    .msg{max-width:85%;padding:9px 13px;white-space:pre-wrap;overflow-wrap:anywhere;flex:none}
    /* Physical corners: a bubble's own dir=auto must not move its tail off its side. */
    .msg,.panel[dir=rtl] .msg[data-role=visitor]{border-radius:16px 16px 16px 4px}
    .msg[data-role=visitor],.panel[dir=rtl] .msg[data-role=assistant]{border-radius:16px 16px 4px}
    .msg[data-role=visitor]{align-self:flex-end;background:var(--la-p);color:var(--la-on)}
    .msg[data-role=assistant]{align-self:flex-start;background:#f1f5f9}
    .msg[data-state=error]{box-shadow:inset 0 0 0 1px #dc2626}
    .msg a{color:inherit;text-decoration:underline}
    .txt>*{margin:0}.txt>*+*{margin-top:.5em}
    .txt ul,.txt ol{padding:0;padding-inline-start:1.4em}
    .txt li>ul,.txt li>ol{margin:.2em 0}
    .txt hr{border:0;border-top:1px solid #cbd5e1}
    .txt div{overflow-x:auto;max-width:100%}
    .txt table{border-collapse:collapse;white-space:normal;font-size:13.5px}
    .txt th,.txt td{border:1px solid #cbd5e1;padding:3px 7px;text-align:start;vertical-align:top;
      overflow-wrap:normal}
    .txt th{background:rgba(15,23,42,.05)}
    .txt td[align=right],.txt th[align=right]{text-align:right}
    .txt td[align=center],.txt th[align=center]{text-align:center}
    .txt code{font:13.5px/1.4 ui-monospace,Menlo,Consolas,monospace;background:rgba(15,23,42,.08);
      border-radius:4px;padding:0 3px}
    .txt pre{white-space:pre;overflow-x:auto;background:rgba(15,23,42,.06);border-radius:8px;
      padding:8px 10px}
    .txt pre code{background:none;padding:0}
    .src{margin-top:8px;padding-top:6px;border-top:1px solid #cbd5e1;font-size:13.5px;
      white-space:normal}
    .src b{display:block;color:#475569;font-weight:600}
    .src ul{margin:2px 0 0;padding:0;padding-inline-start:18px}
    .src li{margin:2px 0}
    .typing{align-self:flex-start;background:#f1f5f9;border-radius:16px;padding:13px 15px;
      display:flex;gap:5px;flex:none}
    .typing i{width:7px;height:7px;border-radius:50%;background:#64748b;
      animation:la-b 1.2s infinite}
    .typing i:nth-child(2){animation-delay:.2s}
    .typing i:nth-child(3){animation-delay:.4s}
    @keyframes la-b{0%,60%,100%{opacity:.35;transform:none}30%{opacity:1;
      transform:translateY(-3px)}}
    .sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);
      white-space:nowrap}
    .err{display:flex;align-items:center;gap:10px;flex:none;background:#fef2f2;color:#991b1b;
      border:1px solid #fecaca;border-radius:10px;padding:9px 12px;font-size:14px}
    .err span{flex:1}
    .err button{background:#fff;color:#991b1b;border:1px solid #991b1b;border-radius:8px;
      padding:4px 12px;font-size:13.5px}
    .fb{display:flex;gap:6px;margin-top:6px;white-space:normal}
    .fb button{background:#fff;border:1px solid #64748b;border-radius:8px;padding:2px 9px;
      font-size:14px;line-height:1.5}
    .fb button[aria-pressed=true]{background:#e2e8f0;border-color:#334155}
    .fbc{display:flex;gap:6px;margin-top:6px}
    .fbc input{flex:1;min-width:0;font:inherit;font-size:14px;border:1px solid #64748b;
      border-radius:8px;padding:4px 8px;color:inherit;background:#fff}
    ::placeholder{color:#64748b;opacity:1}
    .fbc button{border:0;border-radius:8px;padding:4px 10px;font-size:13.5px;
      background:var(--la-p);color:var(--la-on)}
    .fbt{margin-top:6px;font-size:13.5px;color:#475569;white-space:normal}
    .comp{display:flex;align-items:flex-end;gap:8px;padding:10px 12px;flex:none;
      border-top:1px solid #e2e8f0;padding-bottom:max(10px,env(safe-area-inset-bottom))}
    textarea{flex:1;resize:none;margin:0;font:inherit;font-size:16px;line-height:1.4;color:inherit;
      background:#fff;border:1px solid #64748b;border-radius:10px;padding:9px 11px;height:42px;
      max-height:130px;outline:none}
    textarea:focus{border-color:var(--la-ring);box-shadow:0 0 0 1px var(--la-ring);outline:none}
    .send{width:42px;height:42px;flex:none;border:0;border-radius:10px;padding:0;display:flex;
      align-items:center;justify-content:center;background:var(--la-p);color:var(--la-on)}
    .send svg{width:20px;height:20px}
    .send:disabled{opacity:.55;cursor:default}
    .mic{width:42px;height:42px;flex:none;border:1px solid #64748b;border-radius:10px;padding:0;
      display:flex;align-items:center;justify-content:center;background:#fff;color:#334155}
    .mic svg{width:20px;height:20px}
    .mic[aria-pressed=true]{background:#b91c1c;border-color:#b91c1c;color:#fff;
      animation:la-p 1.5s infinite}
    @keyframes la-p{50%{box-shadow:0 0 0 4px rgba(185,28,28,.3)}}
    [dir=rtl] .send svg{transform:scaleX(-1)}
    :focus-visible{outline:2px solid var(--la-ring);outline-offset:2px}
    .head :focus-visible{outline-color:var(--la-on);outline-offset:-2px}
    .launcher:focus-visible{outline-width:3px;outline-offset:3px}
    @media (max-width:479.98px){.la .panel{inset:0;width:auto;height:auto;max-width:none;
      max-height:none;border-radius:0}.open .launcher{display:none}
      .fbc input{font-size:16px}}
    @media (prefers-reduced-motion:reduce){.typing i,.mic{animation:none!important}
      .launcher{transition:none}}
  `;

  // ---------------------------------------------------------------- UI
  function mount(boot) {
    var tc = (boot.cfg && typeof boot.cfg === 'object') ? boot.cfg : {};
    var brand = tc.branding || {};
    var enabled = Array.isArray(tc.enabled_languages) ? tc.enabled_languages : null;
    var defLang = langOf(tc.default_language);
    lang = hint && (!enabled || enabled.indexOf(hint) >= 0) ? hint : (defLang || hint || 'en');
    // Without a tenant config we only know what the page hinted; let the server decide otherwise.
    var sendLang = boot.cfg ? lang : hint;
    var T = Object.assign({}, I18N.en, I18N[lang]);
    var greetings = tc.greetings || {};
    var color = hexColor(user.primaryColor) || hexColor(brand.primary_color) || '#1d4ed8';
    var pos = [user.position, brand.position].filter(function (p) {
      return p === 'bottom-left' || p === 'bottom-right';
    })[0] || 'bottom-right';

    var open = false, busy = false, historyAsked = false, bootErrShown = false;
    var gen = 0; // bumped by reset(): replies and history of an older conversation are dropped
    var ctrl = null, greetEl = null, typingEl = null, noticeEl = null, lastNotice = null;
    // Voice, where the browser has it and the tenant did not turn it off.
    var voice = brand.voice !== false;
    var Recognition = voice && (window.SpeechRecognition || window.webkitSpeechRecognition);
    var synth = voice && window.SpeechSynthesisUtterance && window.speechSynthesis;
    var rec = null, speakOn = false;
    try { speakOn = localStorage.getItem(SPEAK_KEY) === '1'; } catch (e) { /* blocked */ }

    var host = h('div', {id: 'libriassist-root'});
    var root = host.attachShadow({mode: 'open'});
    var wrap = h('div', {class: 'la' + (pos === 'bottom-left' ? ' left' : '')});
    wrap.style.setProperty('--la-p', color);
    var on = onColor(color);
    wrap.style.setProperty('--la-on', on);
    // A light brand colour would make a faint focus ring on white.
    wrap.style.setProperty('--la-ring', on === '#ffffff' ? color : '#334155');

    var openIcon = icon(ICON_CHAT, true), shutIcon = icon(ICON_X);
    shutIcon.setAttribute('hidden', '');
    var launcher = h('button', {type: 'button', class: 'launcher', 'data-la': 'launcher',
      'aria-label': T.open, 'aria-expanded': 'false', 'aria-controls': 'la-panel'},
      [openIcon, shutIcon]);
    var newBtn = h('button', {type: 'button', class: 'ib', 'data-la': 'new',
      'aria-label': T.newChat, title: T.newChat}, [icon(ICON_PLUS)]);
    var closeBtn = h('button', {type: 'button', class: 'ib', 'data-la': 'close',
      'aria-label': T.close, title: T.close}, [icon(ICON_X)]);
    var spkOn = icon(ICON_SPK), spkOff = icon(ICON_MUTE);
    var speakBtn = h('button', {type: 'button', class: 'ib', 'data-la': 'speak',
      'aria-pressed': String(speakOn), 'aria-label': T.speak, title: T.speak}, [spkOn, spkOff]);
    var micBtn = h('button', {type: 'button', class: 'mic', 'data-la': 'mic', 'aria-pressed': 'false',
      'aria-label': T.mic, title: T.mic}, [icon(ICON_MIC)]);
    speakBtn.hidden = !synth;
    micBtn.hidden = !Recognition;
    // The menu lists the shop's languages; with one (or no tenant settings) there is no menu.
    var langSel = h('select', {class: 'lang', 'data-la': 'language', 'aria-label': T.language,
      title: T.language}, (enabled || []).filter(langOf).map(function (l) {
      return h('option', {value: l, lang: l}, [LANG_NAMES[l]]);
    }));
    langSel.value = lang;
    langSel.hidden = !enabled || langSel.options.length < 2;
    langSel.addEventListener('change', function () {
      try { localStorage.setItem(LANG_KEY, langSel.value); } catch (e) { /* blocked */ }
      hint = langSel.value;
      setLang(langSel.value);
    });
    var title = h('h2', {class: 'title', id: 'la-title', title: brand.title || T.title},
      [brand.title || T.title]);
    // Streamed text is not announced token by token: each finished reply is put, once, in
    // the live region below.
    var list = h('div', {class: 'list', 'data-la': 'messages'});
    var live = h('div', {class: 'sr', 'data-la': 'live', role: 'status', 'aria-live': 'polite',
      'aria-atomic': 'true'});
    var input = h('textarea', {'data-la': 'input', rows: '1', placeholder: T.placeholder,
      'aria-label': T.placeholder});
    var sendBtn = h('button', {type: 'submit', class: 'send', 'data-la': 'send', 'aria-label': T.send,
      title: T.send}, [icon(ICON_SEND, true)]);
    var form = h('form', {class: 'comp'}, [input, micBtn, sendBtn]);
    var panel = h('div', {class: 'panel', id: 'la-panel', 'data-la': 'panel', role: 'dialog',
      'aria-modal': 'true', 'aria-labelledby': 'la-title', lang: lang,
      dir: lang === 'ar' || lang === 'ary' ? 'rtl' : 'ltr', hidden: ''}, [h('div', {class: 'head'}, [title, langSel, speakBtn, newBtn, closeBtn]), list, form]);

    root.append(h('style', null, [CSS]), wrap);
    wrap.append(launcher, panel, live);
    document.body.appendChild(host);

    // Follow the newest text unless the visitor scrolled up to read.
    function stick(fn) {
      var atEnd = list.scrollHeight - list.scrollTop - list.clientHeight < 60;
      fn();
      if (atEnd) list.scrollTop = list.scrollHeight;
    }
    function addSources(msg, sources) {
      var seen = {}, items = [];
      (Array.isArray(sources) ? sources : []).forEach(function (s) {
        var key = s && (s.url || s.title);
        if (!key || seen[key] || items.length >= 3) return;
        seen[key] = 1;
        var href = safeHref(String(s.url || '')), label = String(s.title || s.url);
        items.push(h('li', null, [href ? link(href, label) : label]));
      });
      var old = msg.querySelector('[data-la=sources]');
      if (old) old.remove();
      if (items.length) {
        msg.append(h('div', {class: 'src', 'data-la': 'sources'}, [h('b', null, [T.sources]),
          h('ul', null, items)]));
      }
    }
    function message(role, text, state, sources) {
      var body = h('div', {class: 'txt'});
      // dir=auto: a French answer in an Arabic panel (or the reverse) keeps its own direction.
      var el = h('div', {class: 'msg', 'data-la': 'message', 'data-role': role, 'data-state': state,
        dir: 'auto'}, [body]);
      // The visitor's own words are shown exactly as typed (a "*" or "_" in an order
      // reference stays put); replies, greetings and history render the Markdown subset.
      if (role === 'visitor') body.textContent = text;
      else fillText(body, text);
      if (sources) addSources(el, sources);
      return el;
    }
    // 👍 at once; 👎 at once too, then an optional comment sent as a second rating that
    // replaces the first.
    function addFeedback(msg, id) {
      if (!id || msg.querySelector('[data-la=feedback]')) return;
      function btn(rating, glyph) {
        var b = h('button', {type: 'button', 'data-la': rating, 'aria-pressed': 'false',
          'aria-label': T[rating], title: T[rating]}, [glyph]);
        b.addEventListener('click', function () { rate(rating); });
        return b;
      }
      var up = btn('up', '👍'), down = btn('down', '👎'), box = null;
      var row = h('div', {class: 'fb', 'data-la': 'feedback'}, [up, down]);
      function rate(rating) {
        if ((rating === 'up' ? up : down).getAttribute('aria-pressed') === 'true') return;
        up.setAttribute('aria-pressed', String(rating === 'up'));
        down.setAttribute('aria-pressed', String(rating === 'down'));
        sendFeedback(id, rating, null);
        track('feedback', {message_id: id, rating: rating});
        if (box) box.remove();
        box = null;
        if (rating === 'down') {
          var field = h('input', {type: 'text', 'data-la': 'comment', maxlength: '1000',
            placeholder: T.comment, 'aria-label': T.comment});
          box = h('form', {class: 'fbc'}, [field,
            h('button', {type: 'submit', 'data-la': 'comment-send'}, [T.send])]);
          box.addEventListener('submit', function (e) {
            e.preventDefault();
            var c = field.value.trim();
            if (c) sendFeedback(id, 'down', c);
            var thanks = h('div', {class: 'fbt', role: 'status'}, [T.thanks]);
            box.replaceWith(thanks);
            box = null;
            down.focus();
          });
          stick(function () { row.after(box); });
          field.focus();
        }
      }
      msg.append(row);
    }
    function sendFeedback(id, rating, comment) {
      if (!session) return;
      fetch(base + '/api/v1/feedback', {method: 'POST', credentials: 'omit', keepalive: true,
        // A logged-in shopper's reply can only be rated with their token, as it is read.
        headers: headers(true, {'Content-Type': 'application/json'}, true),
        body: JSON.stringify({message_id: id, rating: rating, comment: comment})
      }).catch(function () {}); // a lost rating is not worth troubling the visitor
    }
    function setState(el, state) {
      el.setAttribute('data-state', state);
      el.setAttribute('aria-busy', state === 'streaming' ? 'true' : 'false');
    }
    function greet() {
      var text = greetings[lang] || (defLang && greetings[defLang]);
      greetEl = null;
      if (typeof text === 'string' && text) {
        greetEl = message('assistant', text, 'done');
        greetEl.setAttribute('data-greeting', '');
        list.prepend(greetEl);
      }
    }
    function showTyping() {
      if (!typingEl) {
        typingEl = h('div', {class: 'typing', 'data-la': 'typing'},
          [h('i'), h('i'), h('i'), h('span', {class: 'sr'}, [T.typing])]);
      }
      stick(function () { list.append(typingEl); });
    }
    function hideTyping() { if (typingEl) typingEl.remove(); }
    function hideNotice() { if (noticeEl) noticeEl.remove(); noticeEl = lastNotice = null; }
    // retry: sends again; wait: seconds before that can help (Retry-After); anon: drops the
    // shopper token and sends again.
    function showNotice(code, retry, wait, anon, quiet) {
      hideNotice();
      lastNotice = [code, retry, wait, anon];
      var text = code === 'rate_limited' && wait ? T.rate_wait.replace('{s}', wait) : T[code];
      noticeEl = h('div', {class: 'err', 'data-la': 'error', 'data-code': code, role: 'alert'},
        [h('span', null, [text || T.server_error])]);
      if (anon) {
        var a = h('button', {type: 'button', 'data-la': 'anonymous'}, [T.anon]);
        a.addEventListener('click', anon);
        noticeEl.append(a);
      }
      if (retry) {
        var b = h('button', {type: 'button', 'data-la': 'retry'}, [T.retry]);
        b.addEventListener('click', retry);
        if (wait) {
          b.disabled = true;
          setTimeout(function () { b.disabled = false; }, Math.min(wait, 300) * 1000);
        }
        noticeEl.append(b);
      }
      stick(function () { list.append(noticeEl); });
      if (!quiet) emit('error', {code: code});
    }
    function askLogIn(reason, resend) {
      emit('reauth_required', {reason: reason || null});
      showNotice('invalid_user_token', null, 0, function () {
        if (busy) return;
        anonymous = true;
        hideNotice();
        resend();
      });
    }
    function setBusy(v) { busy = v; sendBtn.disabled = v; }

    // ---- voice: dictation fills the box (the visitor reads it, then sends), replies are
    // read aloud when the visitor asked for it.
    function listen() {
      if (rec) {
        // Stopped by the visitor: what was heard so far still arrives, then "end".
        try { rec.stop(); } catch (e) { stopListening(); }
        return;
      }
      hush();
      var r, before = input.value.trim();
      try {
        r = new Recognition();
        r.lang = VOICE_LANG[lang] || lang;
        r.interimResults = true;
        r.continuous = false;
        r.maxAlternatives = 1;
        r.onresult = function (e) {
          if (rec !== r) return;
          var said = '', done = true;
          for (var i = 0; i < e.results.length; i++) {
            said += e.results[i][0].transcript;
            done = done && e.results[i].isFinal;
          }
          input.value = (before ? before + ' ' : '') + said.trim();
          input.toggleAttribute('data-interim', !done);
          grow();
        };
        r.onerror = function (e) {
          if (rec !== r || e.error === 'aborted') return;
          stopListening();
          showNotice(e.error === 'not-allowed' || e.error === 'service-not-allowed' ? 'voice_denied'
            : e.error === 'no-speech' ? 'voice_nospeech' : 'voice_failed');
        };
        r.onend = function () { if (rec === r) stopListening(); };
        if (lastNotice && /^voice_/.test(lastNotice[0])) hideNotice();
        rec = r;
        r.start();
      } catch (e) {
        rec = null;
        return showNotice('voice_failed');
      }
      micState(true);
    }
    function stopListening() {
      var r = rec;
      if (!r) return;
      rec = null;
      micState(false);
      input.removeAttribute('data-interim');
      try { r.abort(); } catch (e) { /* already over */ }
    }
    function micState(on) {
      micBtn.setAttribute('aria-pressed', String(on));
      micBtn.setAttribute('data-state', on ? 'listening' : 'idle');
      input.placeholder = on ? T.listening : T.placeholder;
      if (!on && open) input.focus();
    }
    function setSpeak(v) {
      speakOn = v;
      speakBtn.setAttribute('aria-pressed', String(v));
      spkOn.toggleAttribute('hidden', !v);
      spkOff.toggleAttribute('hidden', v);
      if (!v) hush();
    }
    function hush() { if (synth) synth.cancel(); }
    // Spoken in the reply's own language, sentence by sentence (long utterances get cut off in
    // some browsers). Takes the rendered text (plainText): no Markdown signs, no bare links.
    function speak(text, l) {
      if (!synth || !speakOn || !open || rec) return; // not into the open mic
      hush();
      var tag = VOICE_LANG[l] || VOICE_LANG[lang] || l, base = tag.split('-')[0];
      var voices = synth.getVoices() || [], pick = null;
      voices.forEach(function (v) {
        var vl = String(v.lang).replace('_', '-').toLowerCase();
        if (vl === tag.toLowerCase()) { if (!pick || pick.x) pick = {v: v}; }
        else if (!pick && vl.split('-')[0] === base) pick = {v: v, x: 1};
      });
      var parts = text.match(/[^.!?؟\n]+[.!?؟]*/g) || [], chunk = '';
      function say(t) {
        var u = new window.SpeechSynthesisUtterance(t.trim());
        u.lang = tag;
        if (pick) u.voice = pick.v;
        synth.speak(u);
      }
      parts.forEach(function (p) {
        p = p.replace(/\s+/g, ' ').trim();
        if (chunk && (chunk + p).length > 200) { say(chunk); chunk = ''; }
        chunk += (chunk && p ? ' ' : '') + p;
      });
      if (chunk.trim()) say(chunk);
    }
    function announce(text) { live.replaceChildren(h('p', null, [text])); }

    // Tab and Shift+Tab go round the open panel's controls.
    function trap(e) {
      var all = panel.querySelectorAll('button,select,textarea,input,a[href]');
      var f = Array.prototype.filter.call(all,
        function (el) { return !el.disabled && el.getClientRects().length > 0; });
      if (!f.length) return;
      var at = root.activeElement, first = f[0], last = f[f.length - 1];
      var out = !panel.contains(at);
      if (e.shiftKey ? out || at === first : out || at === last) {
        e.preventDefault();
        (e.shiftKey ? last : first).focus();
      }
    }

    function setOpen(v) {
      if (v === open) return;
      open = v;
      panel.hidden = !v;
      wrap.classList.toggle('open', v);
      launcher.setAttribute('aria-expanded', String(v));
      launcher.setAttribute('aria-label', v ? T.close : T.open);
      openIcon.toggleAttribute('hidden', v);
      shutIcon.toggleAttribute('hidden', !v);
      panelTime(v);
      track(v ? 'widget_open' : 'widget_close');
      emit(v ? 'open' : 'close');
      if (v) {
        if (!historyAsked) { historyAsked = true; loadHistory(); }
        if (boot.err && !bootErrShown) { bootErrShown = true; showNotice(boot.err); }
        list.scrollTop = list.scrollHeight;
        input.focus();
      } else {
        stopListening();
        hush();
        launcher.focus();
      }
    }

    function reset() {
      gen++;
      if (ctrl) ctrl.abort();
      stopListening();
      hush();
      clearSession();
      historyAsked = true; // nothing left to restore
      list.textContent = '';
      typingEl = noticeEl = lastNotice = null;
      setBusy(false);
      greet();
      if (open) input.focus();
    }

    async function loadHistory() {
      var s = session, g = gen;
      if (!s) return;
      try {
        var res = await fetch(base + '/api/v1/conversations/' + encodeURIComponent(s.session_id),
          {headers: headers(true, null, true), credentials: 'omit'});
        if (g !== gen) return;
        // Also how a conversation started logged in answers without that shopper's token:
        // start afresh, quietly.
        if (res.status === 404) { if (session === s) clearSession(); return; }
        if (res.status === 401) {
          var f = await failure(res);
          if (g === gen && f.code === 'invalid_user_token') askLogIn(f.reason, loadHistory);
          return;
        }
        if (!res.ok) return;
        var j = await res.json();
        if (g !== gen || !j || !Array.isArray(j.messages)) return;
        var frag = document.createDocumentFragment();
        j.messages.forEach(function (m) {
          if (!m || (m.role !== 'visitor' && m.role !== 'assistant')) return;
          // A reply that failed or was cut off before any text has nothing to show.
          if (m.role === 'assistant' && !m.content) return;
          var el = message(m.role, String(m.content || ''), m.role === 'assistant' ? 'done' : null,
            m.role === 'assistant' ? m.sources : null);
          if (m.role === 'assistant') addFeedback(el, m.id);
          frag.append(el);
        });
        // Older than anything typed since opening, newer than the greeting.
        list.insertBefore(frag, greetEl ? greetEl.nextSibling : list.firstChild);
        list.scrollTop = list.scrollHeight;
      } catch (e) { /* history is a nicety; the conversation still works */ }
    }

    // One request/response round. Resolves to null on success, else an error code.
    async function attempt(text, st, g) {
      var res = await fetch(base + '/api/v1/chat', {
        method: 'POST',
        headers: headers(true, {'Content-Type': 'application/json', Accept: 'text/event-stream'},
          true),
        body: JSON.stringify({message: text, session_id: session ? session.session_id : null,
          language: sendLang || null}),
        signal: ctrl.signal,
        credentials: 'omit'
      });
      if (!res.ok) return failure(res);
      function bubble() {
        if (st.el) return;
        hideTyping();
        st.el = message('assistant', '', 'streaming');
        setState(st.el, 'streaming');
        stick(function () { list.append(st.el); });
        if (st.sources) addSources(st.el, st.sources);
      }
      // Each paint renders the whole text so far, once per frame at most however many deltas
      // arrive: a long reply costs its length per frame, not per delta.
      function paint() {
        cancelAnimationFrame(st.frame);
        st.frame = 0;
        if (st.el && st.shown !== st.text) {
          st.shown = st.text;
          stick(function () { fillText(st.el.firstChild, st.text); });
        }
      }
      try {
        await readSSE(res, function (event, raw) {
          if (g !== gen) return;
          var d;
          try { d = JSON.parse(raw); } catch (e) { return; }
          if (!d || typeof d !== 'object') return;
          if (event === 'meta') {
            if (d.session_id) {
              var same = session && session.session_id === d.session_id;
              saveSession({session_id: d.session_id,
                session_token: d.session_token || (same ? session.session_token : null)});
            }
            st.id = d.message_id;
            st.lang = langOf(d.language);
          } else if (event === 'delta') {
            if (typeof d.text !== 'string' || !d.text) return;
            bubble();
            st.text += d.text;
            if (!st.frame) st.frame = requestAnimationFrame(paint);
          } else if (event === 'sources') {
            st.sources = d.sources;
            if (st.el) stick(function () { addSources(st.el, st.sources); });
          } else if (event === 'done') {
            bubble();
            paint();
            setState(st.el, 'done');
            addFeedback(st.el, st.id);
            st.end = 'ok';
            announce(plainText(st.el.firstChild));
            speak(plainText(st.el.firstChild, true), st.lang);
            emit('reply', {message_id: st.id || null, text: st.text});
          } else if (event === 'error') {
            st.end = {code: String(d.code || 'server_error')};
            st.streamError = true;
          }
        });
      } finally {
        if (g === gen) paint(); // what arrived before a cut, too
      }
      // A stream cut before "done" may have lost the end of the answer.
      return st.end === 'ok' ? null : (st.end || {code: 'network_error'});
    }

    async function ask(text, visitorEl) {
      var g = gen, resent = false, st, fail;
      ctrl = new AbortController();
      setBusy(true);
      hideNotice();
      showTyping();
      try {
        for (;;) {
          st = {text: '', el: null};
          fail = await attempt(text, st, g);
          if (!fail || fail.code !== 'conversation_not_found' || resent || st.text) break;
          // The stored session is stale (expired or purged): start a new conversation, once.
          resent = true;
          clearSession();
        }
      } catch (e) {
        fail = {code: 'network_error'};
      }
      if (g !== gen) return; // reset() cleared everything meanwhile
      hideTyping();
      setBusy(false);
      if (!fail) return;
      var code = fail.code;
      if (code === 'invalid_user_token') {
        return askLogIn(fail.reason, function () { ask(text, visitorEl); });
      }
      if (ERRORS.indexOf(code) < 0) code = 'server_error';
      if (st.el) setState(st.el, 'error');
      if (code === 'message_too_long' && !input.value) {
        // Hand the text back so it can be shortened instead of retyped.
        visitorEl.remove();
        input.value = text;
        grow();
        input.focus();
      }
      showNotice(code, st.streamError || RETRYABLE[code] ? function () {
        if (busy) return;
        if (st.el) st.el.remove();
        ask(text, visitorEl);
      } : null, code === 'rate_limited' ? fail.wait : 0);
    }

    function submit() {
      var text = input.value.trim();
      if (!text || busy) return;
      stopListening();
      hush();
      input.value = '';
      grow();
      hideNotice();
      var el = message('visitor', text);
      list.append(el);
      list.scrollTop = list.scrollHeight;
      track('message_sent');
      emit('message', {text: text});
      ask(text, el);
    }
    function grow() {
      // Typed text takes its own direction; the empty box (placeholder) follows the panel.
      input.dir = input.value ? 'auto' : panel.dir;
      input.style.height = '';
      if (input.scrollHeight > input.clientHeight) input.style.height = input.scrollHeight + 2 + 'px';
    }

    launcher.addEventListener('click', function () { setOpen(!open); });
    closeBtn.addEventListener('click', function () { setOpen(false); });
    newBtn.addEventListener('click', reset);
    micBtn.addEventListener('click', listen);
    speakBtn.addEventListener('click', function () {
      setSpeak(!speakOn);
      try { localStorage.setItem(SPEAK_KEY, speakOn ? '1' : '0'); } catch (e) { /* blocked */ }
    });
    form.addEventListener('submit', function (e) { e.preventDefault(); submit(); });
    input.addEventListener('input', grow);
    input.addEventListener('keydown', function (e) {
      // isComposing: Enter also confirms IME input (Arabic, CJK keyboards) and must not send.
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing && e.keyCode !== 229) {
        e.preventDefault();
        submit();
      }
    });
    wrap.addEventListener('keydown', function (e) {
      if (e.key === 'Escape' && open) { e.preventDefault(); setOpen(false); }
      if (e.key === 'Tab' && open) trap(e);
    });

    function setLang(l) {
      if (enabled && enabled.indexOf(l) < 0) {
        return console.warn('[LibriAssist] Language ' + l + ' is not enabled for this shop.');
      }
      lang = sendLang = l;
      T = Object.assign({}, I18N.en, I18N[l]);
      langSel.value = l;
      panel.lang = l;
      panel.dir = l === 'ar' || l === 'ary' ? 'rtl' : 'ltr';
      launcher.setAttribute('aria-label', open ? T.close : T.open);
      stopListening();
      [[newBtn, T.newChat], [closeBtn, T.close], [sendBtn, T.send], [micBtn, T.mic],
        [speakBtn, T.speak], [langSel, T.language]].forEach(function (x) {
        x[0].setAttribute('aria-label', x[1]);
        x[0].title = x[1];
      });
      input.setAttribute('aria-label', T.placeholder);
      input.placeholder = T.placeholder;
      if (!brand.title) title.textContent = title.title = T.title;
      list.querySelectorAll('[data-la=up],[data-la=down]').forEach(function (b) {
        b.title = T[b.dataset.la];
        b.setAttribute('aria-label', T[b.dataset.la]);
      });
      if (typingEl) typingEl.lastChild.textContent = T.typing;
      if (greetEl) greetEl.remove();
      greet();
      if (lastNotice) {
        var n = lastNotice, at = noticeEl.nextSibling;
        showNotice(n[0], n[1], n[2], n[3], true);
        if (at) list.insertBefore(noticeEl, at);
      }
      grow();
    }

    greet();
    setSpeak(speakOn);
    ui = {setOpen: setOpen, isOpen: function () { return open; }, reset: reset, setLang: setLang};
  }
})();
