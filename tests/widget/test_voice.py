"""Voice in the widget: dictation and spoken replies, in Chromium.

Headless Chromium cannot listen to a microphone or play speech, so the browser's
SpeechRecognition and speechSynthesis are replaced in the page by small fakes that record
what the widget asks of them and let the test play the recogniser's part. Everything else
(the demo server, its answers, the widget) is real.
"""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

pytestmark = pytest.mark.browser

NO_SPEECH = """
for (const name of ['SpeechRecognition', 'webkitSpeechRecognition', 'speechSynthesis',
                    'SpeechSynthesisUtterance']) {
  delete window[name];
}
"""
FAKE_RECOGNITION = """
window.recognitions = [];
class FakeRecognition {
  constructor() { this.lang = ''; this.started = null; this.stopped = false;
                  this.aborted = false; recognitions.push(this); }
  start() { this.started = this.lang; }
  stop() { this.stopped = true; setTimeout(() => this.onend && this.onend({}), 0); }
  abort() { this.aborted = true; }
}
window.SpeechRecognition = window.webkitSpeechRecognition = FakeRecognition;
window.hear = (text, final) => {
  const r = recognitions[recognitions.length - 1], result = [{transcript: text, confidence: 0.9}];
  result.isFinal = final;
  r.onresult({resultIndex: 0, results: [result]});
  if (final) r.onend({});
};
window.fail = (error) => {
  const r = recognitions[recognitions.length - 1];
  r.onerror({error: error});
  r.onend({});
};
"""
FAKE_SYNTHESIS = """
window.spoken = [];
window.cancelled = 0;
window.SpeechSynthesisUtterance = class { constructor(text) { this.text = text; this.lang = '';
                                                             this.voice = null; } };
Object.defineProperty(window, 'speechSynthesis', {configurable: true, value: {
  speak(u) { spoken.push({text: u.text, lang: u.lang, voice: u.voice && u.voice.name}); },
  cancel() { cancelled += 1; },
  getVoices() { return [{lang: 'en-US', name: 'Sam'}, {lang: 'fr_FR', name: 'Amélie'},
                        {lang: 'ar-SA', name: 'Maged'}, {lang: 'fr-CA', name: 'Chantal'}]; },
}});
"""
MIC = '[data-la="mic"]'
SPEAK = '[data-la="speak"]'
INPUT = '[data-la="input"]'
NOTICE = '[data-la="error"]'


REPLY = '[data-la="message"][data-role="assistant"]:not([data-greeting])'


def ask(page: Page, question: str) -> str:
    """Sends a question and waits for its own reply (not an earlier one) to finish."""
    before = page.locator(REPLY).count()
    page.locator(INPUT).fill(question)
    page.keyboard.press("Enter")
    expect(page.locator(REPLY)).to_have_count(before + 1, timeout=30_000)
    expect(page.locator(REPLY).last).to_have_attribute("data-state", "done", timeout=30_000)
    return page.locator(REPLY).last.inner_text()


def open_widget(page: Page, url: str, language: str | None = None) -> None:
    page.goto(url)
    expect(page.locator('[data-la="launcher"]')).to_be_visible()
    if language:
        page.evaluate("l => LibriAssist.setLanguage(l)", language)
    page.locator('[data-la="launcher"]').click()
    expect(page.locator('[data-la="panel"]')).to_be_visible()


def recognitions(page: Page) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = page.evaluate(
        "recognitions.map(r => ({lang: r.started, interim: r.interimResults, "
        "stopped: r.stopped, aborted: r.aborted}))"
    )
    return found


def test_voice_controls_are_hidden_without_the_speech_apis(
    demo_server: str, browser: Browser
) -> None:
    page = browser.new_page()
    page.add_init_script(NO_SPEECH)
    open_widget(page, f"{demo_server}/demo/papyrus")
    assert (
        page.evaluate(
            "[typeof webkitSpeechRecognition, typeof SpeechRecognition, typeof speechSynthesis]"
        )
        == ["undefined"] * 3
    )
    expect(page.locator(MIC)).to_be_hidden()
    expect(page.locator(SPEAK)).to_be_hidden()
    assert "jours ouvrés" in ask(page, "Quels sont les délais de livraison ?")
    page.close()


MIC_LABELS = {
    "fr": "Dicter votre message",
    "en": "Speak your message",
    "es": "Dictar tu mensaje",
    "ar": "إملاء الرسالة بالصوت",
    "ary": "كتب الرسالة بالصوت",
}


@pytest.mark.parametrize(
    ("tenant", "language", "locale"),
    [
        ("papyrus", "fr", "fr-FR"),
        ("papyrus", "en", "en-US"),
        ("casa-olivar", "es", "es-ES"),
        ("dar-argan", "ar", "ar-SA"),
        ("dar-argan", "ary", "ar-MA"),
    ],
)
def test_the_mic_listens_in_the_visitors_language(
    demo_server: str, browser: Browser, tenant: str, language: str, locale: str
) -> None:
    page = browser.new_page()
    page.add_init_script(FAKE_RECOGNITION)
    open_widget(page, f"{demo_server}/demo/{tenant}", language)
    mic = page.locator(MIC)
    expect(mic).to_have_attribute("aria-label", MIC_LABELS[language])
    expect(mic).to_have_attribute("aria-pressed", "false")
    mic.click()
    expect(mic).to_have_attribute("aria-pressed", "true")
    assert recognitions(page) == [
        {"lang": locale, "interim": True, "stopped": False, "aborted": False}
    ]
    # A second click stops listening; the recogniser then ends and the mic is released.
    mic.click()
    expect(mic).to_have_attribute("aria-pressed", "false")
    assert recognitions(page)[0]["stopped"]
    page.close()


def test_dictation_fills_the_box_and_the_visitor_sends_it(
    demo_server: str, browser: Browser
) -> None:
    page = browser.new_page()
    page.add_init_script(FAKE_RECOGNITION)
    open_widget(page, f"{demo_server}/demo/papyrus")
    box, mic = page.locator(INPUT), page.locator(MIC)
    mic.click()
    expect(mic).to_have_attribute("data-state", "listening")
    expect(box).to_have_attribute("placeholder", "Je vous écoute…")

    page.evaluate("hear('Quels sont les délais', false)")
    expect(box).to_have_value("Quels sont les délais")
    expect(box).to_have_attribute("data-interim", "")
    page.evaluate("hear('Quels sont les délais de livraison ?', true)")
    expect(box).to_have_value("Quels sont les délais de livraison ?")
    expect(box).not_to_have_attribute("data-interim", "")
    expect(mic).to_have_attribute("aria-pressed", "false")
    expect(box).to_have_attribute("placeholder", "Écrivez votre message…")
    expect(box).to_be_focused()
    # Not sent by itself: the visitor reads what was heard, then sends it.
    expect(page.locator('[data-la="message"][data-role="visitor"]')).to_have_count(0)
    page.keyboard.press("Enter")
    reply = page.locator(REPLY)
    expect(reply).to_have_attribute("data-state", "done", timeout=30_000)
    assert "jours ouvrés" in reply.inner_text()

    # Dictating after typing adds to the typed text; closing the panel drops the recogniser.
    box.fill("Bonjour,")
    mic.click()
    page.evaluate("hear('livrez-vous en Belgique', false)")
    expect(box).to_have_value("Bonjour, livrez-vous en Belgique")
    page.keyboard.press("Escape")
    assert recognitions(page)[-1]["aborted"]
    page.close()


DENIED = {
    "ar": "الميكروفون غير مسموح به",
    "ary": "الميكرو ماشي مسموح ليه",
    "en": "The microphone is not allowed",
    "fr": "Le micro n’est pas autorisé",
}


def test_a_refused_microphone_is_a_friendly_notice_and_text_chat_goes_on(
    demo_server: str, browser: Browser
) -> None:
    page = browser.new_page()
    page.add_init_script(FAKE_RECOGNITION)
    page.goto(f"{demo_server}/demo/dar-argan")
    expect(page.locator('[data-la="launcher"]')).to_be_visible()
    # Not the listener's remover as the result: Playwright would call it.
    page.evaluate("window.seen = []; void LibriAssist.on('error', d => seen.push(d.code))")
    page.locator('[data-la="launcher"]').click()
    mic = page.locator(MIC)
    mic.click()
    page.evaluate("fail('not-allowed')")
    notice = page.locator(NOTICE)
    expect(notice).to_have_attribute("data-code", "voice_denied")
    expect(mic).to_have_attribute("aria-pressed", "false")
    expect(notice.locator('[data-la="retry"]')).to_have_count(0)
    assert page.evaluate("seen") == ["voice_denied"]
    for language, text in DENIED.items():
        page.evaluate("l => LibriAssist.setLanguage(l)", language)
        expect(notice).to_contain_text(text)

    # Nothing heard and other failures have their own words; none blocks typing.
    mic.click()
    page.evaluate("fail('no-speech')")
    expect(notice).to_have_attribute("data-code", "voice_nospeech")
    expect(notice).to_contain_text("Je n’ai rien entendu")
    mic.click()
    page.evaluate("fail('network')")
    expect(notice).to_have_attribute("data-code", "voice_failed")
    expect(page.locator(NOTICE)).to_have_count(1)
    page.evaluate("LibriAssist.setLanguage('ary')")
    answer = ask(page, "شحال كياخد التوصيل لكازا؟")
    assert "48" in answer
    expect(page.locator(NOTICE)).to_have_count(0)
    page.close()


def spoken(page: Page) -> list[dict[str, str]]:
    said: list[dict[str, str]] = page.evaluate("spoken")
    return said


def test_spoken_replies_follow_the_toggle_and_the_replys_language(
    demo_server: str, browser: Browser
) -> None:
    page = browser.new_page()
    page.add_init_script(FAKE_SYNTHESIS)
    open_widget(page, f"{demo_server}/demo/papyrus")
    toggle = page.locator(SPEAK)
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    expect(toggle).to_have_attribute("aria-label", "Lire les réponses à voix haute")
    ask(page, "Quels sont les délais de livraison ?")
    assert spoken(page) == []

    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    assert page.evaluate("localStorage.getItem('libriassist:speak')") == "1"
    answer = ask(page, "Combien coûte la livraison ?")
    said = spoken(page)
    assert said and {(s["lang"], s["voice"]) for s in said} == {("fr-FR", "Amélie")}
    assert " ".join(s["text"] for s in said)[:40] == answer[:40]

    # The reply's language, not the panel's: an English question gets an English voice.
    cancelled = page.evaluate("cancelled")
    page.evaluate("spoken.length = 0")
    ask(page, "How long does delivery take?")
    assert page.evaluate("cancelled") > cancelled  # a new message silences the last reply
    assert {(s["lang"], s["voice"]) for s in spoken(page)} == {("en-US", "Sam")}

    # Remembered across pages; closing the panel stops speaking.
    page.reload()
    page.locator('[data-la="launcher"]').click()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Escape")
    assert page.evaluate("cancelled") >= 1
    page.locator('[data-la="launcher"]').click()
    toggle.click()
    expect(toggle).to_have_attribute("aria-pressed", "false")
    assert page.evaluate("localStorage.getItem('libriassist:speak')") == "0"
    page.close()


def test_darija_replies_are_spoken_with_the_nearest_arabic_voice(
    demo_server: str, browser: Browser
) -> None:
    page = browser.new_page()
    page.add_init_script(FAKE_SYNTHESIS)
    page.add_init_script("localStorage.setItem('libriassist:speak', '1')")
    open_widget(page, f"{demo_server}/demo/dar-argan", "ary")
    expect(page.locator(SPEAK)).to_have_attribute("aria-pressed", "true")
    expect(page.locator(SPEAK)).to_have_attribute("aria-label", "قرا الأجوبة بالصوت")
    ask(page, "شحال كياخد التوصيل لكازا؟")
    said = spoken(page)
    assert said and {(s["lang"], s["voice"]) for s in said} == {("ar-MA", "Maged")}
    page.close()


@pytest.fixture
def voice_off(demo_server: str, demo_keys: dict[str, dict[str, str]]) -> Iterator[str]:
    """Casa Olivar with voice turned off in its widget settings, for one test."""
    admin = {"X-API-Key": demo_keys["casa-olivar"]["secret_key"]}
    url = f"{demo_server}/api/v1/admin/tenant"
    changed = httpx.patch(url, headers=admin, json={"branding": {"voice": False}})
    assert changed.status_code == 200, changed.text
    assert changed.json()["branding"]["voice"] is False
    try:
        yield demo_keys["casa-olivar"]["publishable_key"]
    finally:
        httpx.patch(url, headers=admin, json={"branding": {"voice": True}}).raise_for_status()


def test_voice_is_on_by_default_and_a_tenant_can_turn_it_off(
    demo_server: str, demo_keys: dict[str, dict[str, str]], browser: Browser
) -> None:
    key = demo_keys["casa-olivar"]["publishable_key"]
    config_url = f"{demo_server}/api/v1/widget/config"
    config = httpx.get(config_url, headers={"X-API-Key": key})
    assert config.json()["branding"]["voice"] is True
    refused = httpx.patch(
        f"{demo_server}/api/v1/admin/tenant",
        headers={"X-API-Key": demo_keys["casa-olivar"]["secret_key"]},
        json={"branding": {"voice": None}},
    )
    assert refused.status_code == 422

    page = browser.new_page()
    page.add_init_script(FAKE_RECOGNITION + FAKE_SYNTHESIS)
    open_widget(page, f"{demo_server}/demo/casa-olivar")
    expect(page.locator(MIC)).to_be_visible()
    expect(page.locator(SPEAK)).to_be_visible()
    page.close()


def test_a_tenant_without_voice_shows_no_voice_controls(
    demo_server: str, voice_off: str, browser: Browser
) -> None:
    config = httpx.get(f"{demo_server}/api/v1/widget/config", headers={"X-API-Key": voice_off})
    assert config.json()["branding"]["voice"] is False
    page = browser.new_page()
    page.add_init_script(FAKE_RECOGNITION + FAKE_SYNTHESIS)
    open_widget(page, f"{demo_server}/demo/casa-olivar")
    expect(page.locator(INPUT)).to_be_visible()
    expect(page.locator(MIC)).to_be_hidden()
    expect(page.locator(SPEAK)).to_be_hidden()
    page.close()
