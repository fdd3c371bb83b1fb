#!/usr/bin/env python3
"""Deterministic corpus for the tokenizer comparison (tests/tokens/compare.py).

Prints JSON Lines: {"model": M, "text": T} or {"model": M, "messages": [...]}. The same seed gives
the same corpus on every machine (only Python's `random` with a fixed seed is used).
Categories: English prose, contractions, Chinese, other scripts, code, emoji, whitespace runs,
digits, combining marks (NFC), added tokens, random code points, long inputs, chat conversations.
"""
import argparse
import json
import random
import sys

WORDS = (
    "the of and to in is was he for it with as his on be at by had are but from or have an they "
    "which one you were her all she there would their we him been has when who will more no if out "
    "so said what up its about into than them can only other new some could time these two may then "
    "do first any my now such like our over man me even most made after also did many before must "
    "through back years where much your way well down should because each just those people how too "
    "little state good very make world still own see men work long get here between both life being "
    "under never day same another know while last might us great old year off come since against go "
    "came right used take three tokenizer gateway latency throughput quota upstream Kubernetes "
    "PostgreSQL JavaScript internationalization counterrevolutionary Mississippi naïve café résumé"
).split()
CONTRACTIONS = ["'s", "'t", "'re", "'ve", "'m", "'ll", "'d", "'S", "'T", "'RE", "'Ve", "'LL", "'D",
                "'x", "'"]
PUNCT = list(".,;:!?-()[]{}\"'`~@#$%^&*_+=|\\/<>") + ["...", "--", "—", "–", "…", "«", "»", "“", "”"]
CHINESE = ("的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后"
           "能对着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分"
           "此心前面又定见只主没公从令牌网关限流并发请求响应模型服务器数据库")
CJK_PUNCT = list("，。！？；：、“”‘’（）《》【】…—")
SCRIPTS = {
    "japanese": "あいうえおかきくけこさしすせそたちつてとなにぬねのはひふへほまみむめもやゆよらりるれろわをん"
                "アイウエオカキクケコサシスセソタチツテトナニヌネノハヒフヘホマミムメモヤユヨラリルレロワヲンー",
    "korean": "가나다라마바사아자차카타파하한국어토큰게이트웨이서버요청응답",
    "cyrillic": "абвгдеёжзийклмнопрстуфхцчшщъыьэюяАБВГДЕЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯ",
    "greek": "αβγδεζηθικλμνξοπρστυφχψωΑΒΓΔΕΖΗΘΙΚΛΜΝΞΟΠΡΣΤΥΦΧΨΩάέήίόύώ",
    "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "hebrew": "אבגדהוזחטיכלמנסעפצקרשת",
    "devanagari": "अआइईउऊएऐओऔकखगघचछजझटठडढणतथदधनपफबभमयरलवशषसह्ािीुूेैोौं",
    "thai": "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศษสหอฮะาิีึืุูเแโใไ่้๊๋",
    "latin_ext": "àáâãäåæçèéêëìíîïðñòóôõöøùúûüýþÿĀāĂăĄąĆćČčĎďĘęĚěĞğŁłŃńŇňŐőŒœŘřŚśŠšŤťŮůŰűŸŹźŻżŽž",
}
EMOJI = ["😀", "😂", "🥲", "👍", "👍🏽", "❤️", "🔥", "🚀", "🎉", "👨‍👩‍👧‍👦", "🏳️‍🌈", "🇫🇷", "🇯🇵", "✅",
         "⚠️", "🤖", "🧠", "☕", "🍣", "👩🏻‍💻", "1️⃣", "©", "™", "♥"]
SPACES = [" ", "  ", "   ", "\t", "\n", "\r\n", "\n\n", " \n", "\t\t", "\u00a0", "\u3000", "\u2028",
          "\u2029", "\u202f", "\u205f", "\u2003", "\ufeff", "\u0085", "\u000b", "\u000c", "\u1680",
          "\r", " \t \n  "]
COMBINING = ["e\u0301", "a\u0300", "o\u0308", "n\u0303", "c\u0327", "A\u030a", "u\u0308\u0301",
             "\u1100\u1161\u11a8", "\u1112\u1161\u11ab", "s\u0323\u0307", "q\u0307\u0323",
             "\u0928\u093c", "\u05d0\u05b8", "e\u0301\u0301", "\u0301", "Å", "Ω", "é"]
ADDED = ["<|im_start|>", "<|im_end|>", "<|endoftext|>", "<think>", "</think>", "<tool_call>",
         "</tool_call>", "<|im_sta", "<|im_start|", "< |im_end|>", "<|vision_start|>", "<|fim_prefix|>"]
CODE = [
    "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
    "for (int i = 0; i < n; ++i) {\n\tsum += a[i] * b[i];\n}\n",
    "const x = await fetch(`/v1/chat/completions`, { method: 'POST', body: JSON.stringify(req) });",
    "SELECT id, name FROM users WHERE created_at >= '2024-01-01' ORDER BY id DESC LIMIT 10;",
    "#include <vector>\nstd::vector<std::uint32_t> ids; // 0x1F600\n",
    "{\"model\": \"qwen3-max\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"n\": 1}",
    "if x != nil && len(x) > 0 { return x[0], nil }",
    "    fn main() -> Result<(), Box<dyn Error>> {\r\n        println!(\"{:?}\", v);\r\n    }",
    "$ curl -sS -H 'Authorization: Bearer sk-...' http://127.0.0.1:8080/v1/models | jq .",
    "<div class=\"a\">&nbsp;&lt;b&gt;</div>\n<!-- comment -->",
    "x = [1, 2, 3]; y = {k: v ** 2 for k, v in zip('abc', x)}  # comment",
    "a+=b;c-=d;e*=f;g/=h;i%=j;k<<=1;l>>=2;m&&=n;o||=p;q??=r;",
]


def words(rng, n):
    out = []
    for _ in range(n):
        w = rng.choice(WORDS)
        r = rng.random()
        if r < 0.1:
            w = w.capitalize()
        elif r < 0.13:
            w = w.upper()
        out.append(w)
        if rng.random() < 0.08:
            out[-1] += rng.choice(CONTRACTIONS)
        if rng.random() < 0.12:
            out[-1] += rng.choice(PUNCT)
    return " ".join(out)


def english(rng):
    sentences = [words(rng, rng.randint(3, 20)).capitalize() + rng.choice([".", "!", "?", ""])
                 for _ in range(rng.randint(1, 5))]
    return rng.choice([" ", "  ", "\n", "\n\n"]).join(sentences)


def chinese(rng):
    out = []
    for _ in range(rng.randint(1, 6)):
        out.append("".join(rng.choice(CHINESE) for _ in range(rng.randint(1, 30))))
        out.append(rng.choice(CJK_PUNCT))
    return "".join(out)


def script(rng):
    alphabet = SCRIPTS[rng.choice(sorted(SCRIPTS))]
    return " ".join("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 12)))
                    for _ in range(rng.randint(1, 10)))


def digits(rng):
    parts = []
    for _ in range(rng.randint(1, 6)):
        n = str(rng.randint(0, 10 ** rng.randint(1, 15)))
        parts.append(rng.choice([n, n + ".5", "$" + n, n + "%", "v" + n, "1,234,567", "3.14159",
                                 "２０２４", "٣٤٥", "Ⅻ", "½"]))
    return rng.choice([" ", ", ", "-", ""]).join(parts)


def random_code_points(rng):
    ranges = [(0x20, 0x7E), (0xA0, 0x24F), (0x370, 0x3FF), (0x400, 0x4FF), (0x4E00, 0x4FFF),
              (0x3040, 0x30FF), (0xAC00, 0xAD00), (0x2000, 0x206F), (0x2190, 0x23FF),
              (0x1F300, 0x1F5FF), (0x300, 0x36F), (0xFF00, 0xFFEF), (0x1D400, 0x1D4FF)]
    out = []
    for _ in range(rng.randint(1, 40)):
        lo, hi = rng.choice(ranges)
        out.append(chr(rng.randint(lo, hi)))
    return "".join(out)


def mixed(rng):
    gens = [english, chinese, script, digits, lambda r: r.choice(EMOJI), lambda r: r.choice(SPACES),
            lambda r: r.choice(CODE), lambda r: r.choice(COMBINING), lambda r: r.choice(ADDED),
            random_code_points]
    return "".join(rng.choice(gens)(rng) for _ in range(rng.randint(2, 8)))


def whitespace(rng):
    return "".join(rng.choice(SPACES + ["a", "B", ".", "1", "中"]) for _ in range(rng.randint(1, 25)))


def emoji(rng):
    return "".join(rng.choice(EMOJI + [" ", "", "!", "ok"]) for _ in range(rng.randint(1, 15)))


def combining(rng):
    return "".join(rng.choice(COMBINING + [" ", "x", "中"]) for _ in range(rng.randint(1, 12)))


def added(rng):
    return "".join(rng.choice(ADDED + [" ", "\n", "user", "hi", "<", "|>", "中文"])
                   for _ in range(rng.randint(1, 10)))


def code(rng):
    return "".join(rng.choice(CODE) for _ in range(rng.randint(1, 3)))


def long_text(rng):
    kind = rng.choice(["letters", "english", "digits", "spaces", "punct", "chinese"])
    n = rng.randint(1000, 20000)
    if kind == "letters":
        return "".join(rng.choice("abcdefghij") for _ in range(n))
    if kind == "english":
        return words(rng, n // 6)
    if kind == "digits":
        return "".join(rng.choice("0123456789") for _ in range(n))
    if kind == "spaces":
        return " " * n + "x" + "\n" * rng.randint(0, 3)
    if kind == "punct":
        return "".join(rng.choice("!@#$%^&*()=+") for _ in range(n))
    return "".join(rng.choice(CHINESE) for _ in range(n // 3))


TEXT_KINDS = [(english, 30), (chinese, 12), (script, 12), (code, 10), (emoji, 6), (whitespace, 8),
              (digits, 6), (combining, 5), (added, 5), (random_code_points, 8), (mixed, 15),
              (long_text, 1)]

ROLES = ["system", "user", "assistant", "tool", "user", "assistant", "developer"]


def message_content(rng):
    r = rng.random()
    if r < 0.15:
        return "<think>\n" + english(rng) + "\n</think>\n\n" + english(rng)
    if r < 0.2:
        return "<tool_response>" + code(rng) + "</tool_response>"
    if r < 0.25:
        return ""
    return rng.choice([english, chinese, code, mixed])(rng)


def conversation(rng):
    messages = []
    if rng.random() < 0.5:
        messages.append({"role": "system", "content": english(rng)})
    for _ in range(rng.randint(1, 7)):
        messages.append({"role": rng.choice(ROLES), "content": message_content(rng)})
    if not messages:
        messages.append({"role": "user", "content": "hi"})
    return messages


def corpus(seed, texts, chats, models):
    rng = random.Random(seed)
    kinds = [k for k, w in TEXT_KINDS for _ in range(w)]
    fixed = ["", " ", "\n", "a", "hello world", "hello world\n", "Hello, I'm 12345 <|im_start|>x",
             "e\u0301 café", "\u00a0 \ufeffa \u0085b", "don't won't I'M we'Ll", "  leading",
             "trailing  ", "tabs\t\there", "line1\r\nline2\n\n\nline3", "中文English混合123"]
    for model in models:
        for text in fixed:
            yield {"model": model, "text": text}
        for _ in range(texts):
            yield {"model": model, "text": rng.choice(kinds)(rng)}
        for _ in range(chats):
            yield {"model": model, "messages": conversation(rng)}


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--seed", type=int, default=20261125)
    ap.add_argument("--texts", type=int, default=2000)
    ap.add_argument("--chats", type=int, default=300)
    ap.add_argument("--models", default="qwen3-max")
    args = ap.parse_args()
    for case in corpus(args.seed, args.texts, args.chats, args.models.split(",")):
        sys.stdout.write(json.dumps(case, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
