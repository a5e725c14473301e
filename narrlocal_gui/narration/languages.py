"""The languages Whisper knows, by code, with their English names for messages."""

from __future__ import annotations

__all__ = ["WHISPER_LANGUAGES", "language_name"]

# Whisper's 100 language codes (faster-whisper 1.2.1, tokenizer._LANGUAGE_CODES), kept as a
# table here so that a message can name a language without importing faster-whisper.
_TABLE = """
af Afrikaans; am Amharic; ar Arabic; as Assamese; az Azerbaijani; ba Bashkir; be Belarusian;
bg Bulgarian; bn Bengali; bo Tibetan; br Breton; bs Bosnian; ca Catalan; cs Czech; cy Welsh;
da Danish; de German; el Greek; en English; es Spanish; et Estonian; eu Basque; fa Persian;
fi Finnish; fo Faroese; fr French; gl Galician; gu Gujarati; ha Hausa; haw Hawaiian;
he Hebrew; hi Hindi; hr Croatian; ht Haitian Creole; hu Hungarian; hy Armenian;
id Indonesian; is Icelandic; it Italian; ja Japanese; jw Javanese; ka Georgian; kk Kazakh;
km Khmer; kn Kannada; ko Korean; la Latin; lb Luxembourgish; ln Lingala; lo Lao;
lt Lithuanian; lv Latvian; mg Malagasy; mi Maori; mk Macedonian; ml Malayalam;
mn Mongolian; mr Marathi; ms Malay; mt Maltese; my Burmese; ne Nepali; nl Dutch;
nn Norwegian Nynorsk; no Norwegian; oc Occitan; pa Punjabi; pl Polish; ps Pashto;
pt Portuguese; ro Romanian; ru Russian; sa Sanskrit; sd Sindhi; si Sinhala; sk Slovak;
sl Slovenian; sn Shona; so Somali; sq Albanian; sr Serbian; su Sundanese; sv Swedish;
sw Swahili; ta Tamil; te Telugu; tg Tajik; th Thai; tk Turkmen; tl Tagalog; tr Turkish;
tt Tatar; uk Ukrainian; ur Urdu; uz Uzbek; vi Vietnamese; yi Yiddish; yo Yoruba;
zh Chinese; yue Cantonese
"""

WHISPER_LANGUAGES: dict[str, str] = {
    code: name
    for code, name in (
        entry.strip().split(" ", 1) for entry in _TABLE.replace("\n", " ").split(";")
    )
}


def language_name(code: str) -> str:
    """ "German" for "de"; the code itself for one Whisper does not know."""
    return WHISPER_LANGUAGES.get(code, code)
