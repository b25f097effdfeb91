// zerodl serve: the page's words in English and in Japanese (in the terms of the book,
// ゼロから作るDeep Learning), and the switch between them. The language is the one last chosen
// with the switch in this browser, else the browser's first preference that is English or
// Japanese (navigator.languages, what it also sends as Accept-Language), else English.
// Elements carry their key in data-i18n (text) or data-i18n-aria-label; app.js asks t(key).
// The JSON API is the same in both languages: only what a person reads here is translated.
"use strict";

const STRINGS = {
  en: {
    language_name: "English",
    switch_label: "Show this page in English",
    page_title: "zerodl: draw a digit",
    title: "Draw a digit",
    title_dataset: "Draw something from {dataset}",
    loading: "Loading the model…",
    model: "Model: {name} ({network}, {parameters} parameters, trained on {dataset})",
    draw_title: "Your drawing",
    pad_label:
      "Drawing area: draw with the mouse, a pen or a finger, or drop an image file on the page",
    clear: "Clear",
    open: "Or open an image (PNG or JPEG):",
    draw_hint:
      "Draw one digit large, in the middle. An image file dropped anywhere on the page is read too.",
    answer_title: "What the network reads",
    start: "Draw a digit to start.",
    bars_label: "Probability of each class",
    input_title: "What it sees",
    preview_label: "The 28 by 28 image the network receives, enlarged",
    input_hint_before: "Your drawing after the same preprocessing as ",
    input_hint_after:
      ": white on black, cropped, fitted to 20×20 pixels, centred by its centre of mass in " +
      "28×28, as MNIST's digits were made.",
    maps_title: "The first convolution's feature maps",
    maps_hint:
      "What each filter of the first layer responds to in your drawing (bright: strong " +
      "response; each map scaled on its own).",
    footer_before:
      "Served by zerodl on this computer; nothing leaves it. The JSON API is described in ",
    footer_after: ".",
    no_answer: "The server did not answer: is zerodl serve still running?",
    not_an_image: "{name} is not a PNG or JPEG image.",
    too_big: "{name} is {size} KiB; the server reads at most {limit} KiB.",
    unreadable: "The server could not read it: {error}.",
    reads: "The network reads {name} ({percent}).",
    unsure: " It is not sure.",
    filter: "filter {number}",
    cleared: "Cleared. Draw a digit.",
  },
  ja: {
    language_name: "日本語",
    switch_label: "このページを日本語で表示",
    page_title: "zerodl: 数字を書いて認識させる",
    title: "数字を書いてください",
    title_dataset: "{dataset} の画像を描いてください",
    loading: "モデルを読み込んでいます…",
    model: "モデル: {name}（{network}、パラメータ {parameters} 個、{dataset} で学習）",
    draw_title: "書いた数字",
    pad_label:
      "描画エリア: マウス、ペン、指で書くか、画像ファイルをページにドロップしてください",
    clear: "消去",
    open: "または画像を開く（PNG か JPEG）:",
    draw_hint:
      "数字を 1 つ、中央に大きく書いてください。ページのどこにドロップした画像ファイルも読み取ります。",
    answer_title: "ニューラルネットワークの認識結果",
    start: "数字を書くと認識が始まります。",
    bars_label: "各クラスの確率",
    input_title: "ネットワークへの入力",
    preview_label: "ネットワークが受け取る 28×28 の画像（拡大表示）",
    input_hint_before: "",
    input_hint_after:
      " と同じ前処理をした後の画像です: 黒地に白、余白を切り取り、20×20 ピクセルに収め、" +
      "重心が 28×28 の中央に来るように配置します（MNIST の数字と同じ作り方）。",
    maps_title: "最初の畳み込み層の特徴マップ",
    maps_hint:
      "最初の層の各フィルターが、書いた数字のどこに反応するか（明るいほど強い反応。" +
      "マップごとに明るさを調整）。",
    footer_before:
      "このコンピューターの zerodl が表示しています。データは外部に送られません。JSON API の説明は ",
    footer_after: " にあります。",
    no_answer: "サーバーが応答しません。zerodl serve は動いていますか?",
    not_an_image: "{name} は PNG でも JPEG でもありません。",
    too_big: "{name} は {size} KiB です。サーバーが読み込めるのは {limit} KiB までです。",
    unreadable: "サーバーが読み取れませんでした: {error}",
    reads: "ネットワークの答えは {name}（{percent}）です。",
    unsure: "確信は持てていません。",
    filter: "フィルター {number}",
    cleared: "消去しました。数字を書いてください。",
  },
};

const LANGUAGE_KEY = "zerodl-language"; // the switch's choice, kept in this browser
let language = chooseLanguage();

function chooseLanguage() {
  try {
    const saved = localStorage.getItem(LANGUAGE_KEY);
    if (saved && Object.hasOwn(STRINGS, saved)) return saved;
  } catch (err) {
    // storage refused (a private window): the browser's preference decides
  }
  for (const tag of navigator.languages || [navigator.language || "en"]) {
    const base = String(tag).toLowerCase().split("-")[0];
    if (Object.hasOwn(STRINGS, base)) return base;
  }
  return "en";
}

// The text of `key` in the page's language, its {fields} filled in.
function t(key, fields = {}) {
  const text = STRINGS[language][key] ?? STRINGS.en[key];
  return text.replace(/\{(\w+)\}/g, (_, name) => String(fields[name]));
}

function translatePage() {
  document.documentElement.lang = language;
  document.querySelectorAll("[data-i18n]").forEach((element) => {
    element.textContent = t(element.dataset.i18n);
  });
  document.querySelectorAll("[data-i18n-aria-label]").forEach((element) => {
    element.setAttribute("aria-label", t(element.dataset.i18nAriaLabel));
  });
  const other = language === "ja" ? "en" : "ja"; // the switch offers the other language
  const button = document.getElementById("language");
  button.textContent = STRINGS[other].language_name;
  button.lang = other;
  button.setAttribute("aria-label", STRINGS[other].switch_label);
}

document.getElementById("language").addEventListener("click", () => {
  language = language === "ja" ? "en" : "ja";
  try {
    localStorage.setItem(LANGUAGE_KEY, language);
  } catch (err) {
    // not kept: the next visit follows the browser's preference again
  }
  translatePage();
  document.dispatchEvent(new Event("zerodl:language")); // app.js rewrites what it wrote
});

translatePage();
