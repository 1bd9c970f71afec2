"""Properties that must hold for every input, checked with hypothesis.

- Renaming identifiers (and changing literals) never changes a unit's Type-2
  fingerprint: on token streams, and through every language's real parser.
- Clusters do not depend on the order in which units or files are found.
- A scan repeated -- or run on the same files created in another order -- gives
  a byte-identical report.
"""

from __future__ import annotations

import json
import keyword
import os
import random
import re
import shutil
import tempfile
from pathlib import Path

from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dupfinder import languages
from dupfinder.cli.app import cli
from dupfinder.config import ScanConfig
from dupfinder.model import KEYWORD, LITERAL, NAME, PUNCT, RawUnit, Token, Unit
from dupfinder.similarity.find import find_clusters
from dupfinder.similarity.normalize import fingerprint, hash_stream, normalised_texts, to_unit, token_hash

# -- identifiers ----------------------------------------------------------------------------------

#: Words no identifier may take in some language: keywords, contextual keywords
#: and predeclared names that the grammars parse as something else.
_OTHER_LANGUAGES = """
    break case catch class const continue debugger default delete do else export extends finally for function if
    import in instanceof new return super switch this throw try typeof var void while with yield let static enum
    await implements package protected interface private public null true false undefined async of get set
    arguments eval type namespace module declare abstract readonly any number string boolean symbol never unknown
    object bigint keyof infer is asserts as satisfies constructor require global override accessor out unique
    assert byte char double final float goto int long native short strictfp synchronized throws transient
    volatile record sealed permits when open requires exports to uses provides transitive opens chan defer
    fallthrough func go map range select struct bool complex64 complex128 error float32 float64 int8 int16 int32
    int64 rune uint uint8 uint16 uint32 uint64 uintptr iota nil append cap clear close complex copy imag len make
    max min panic print println real recover comparable True False None
"""
RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(_OTHER_LANGUAGES.split())

identifiers = st.from_regex(
    r"[A-Za-z_\u00e9\u00df\u03bb\u540d][A-Za-z0-9_\u00e9\u00df\u03bb\u540d]{0,12}", fullmatch=True
).filter(lambda s: s not in RESERVED and s != "_" and not s.startswith("__"))
words = st.text(alphabet="abcdefghijklmnopqrstuvwxyz ", max_size=20)


# -- renaming on token streams --------------------------------------------------------------------

VOCABULARY = ["if", "for", "return", "(", ")", "{", "}", "=", "+", ".", ",", ";", "while", "try", "throw"]


@st.composite
def token_streams(draw: st.DrawFn) -> list[Token]:
    kinds = st.sampled_from([NAME, LITERAL, KEYWORD, PUNCT])
    out = []
    for line, kind in enumerate(draw(st.lists(kinds, min_size=1, max_size=80)), 1):
        if kind == NAME:
            text = draw(identifiers)
        elif kind == LITERAL:
            text = draw(st.one_of(st.integers().map(str), words.map(repr)))
        else:
            text = draw(st.sampled_from(VOCABULARY))
        out.append(Token(kind, text, line))
    return out


@given(token_streams(), st.data())
def test_renaming_identifiers_and_changing_literals_keeps_the_fingerprint(
    tokens: list[Token], data: st.DataObject
) -> None:
    renamed = [
        Token(t.kind, data.draw(identifiers), t.line + 7)
        if t.kind == NAME
        else Token(t.kind, data.draw(words.map(repr)), t.line)
        if t.kind == LITERAL
        else t
        for t in tokens
    ]
    assert fingerprint(hash_stream(normalised_texts(renamed))) == fingerprint(hash_stream(normalised_texts(tokens)))


@given(token_streams(), st.data())
def test_changing_a_keyword_or_punctuation_changes_the_fingerprint(tokens: list[Token], data: st.DataObject) -> None:
    assert len({token_hash(w) for w in VOCABULARY}) == len(VOCABULARY)  # no CRC-32 collision in the vocabulary
    structural = [i for i, t in enumerate(tokens) if t.kind in (KEYWORD, PUNCT)]
    if not structural:
        tokens = [*tokens, Token(PUNCT, ";", len(tokens) + 1)]
        structural = [len(tokens) - 1]
    i = data.draw(st.sampled_from(structural))
    other = data.draw(st.sampled_from([w for w in VOCABULARY if w != tokens[i].text]))
    changed = [*tokens[:i], Token(tokens[i].kind, other, tokens[i].line), *tokens[i + 1 :]]
    assert fingerprint(hash_stream(normalised_texts(changed))) != fingerprint(hash_stream(normalised_texts(tokens)))


# -- renaming through the real parsers ------------------------------------------------------------

#: One function per language; $N is an identifier slot, #N a literal slot (N: string, else number).
TEMPLATES = {
    "python": (
        "x.py",
        """import time


def $0($1, $2=#0, $3=#1):
    $4 = None
    for $5 in $14($2):
        try:
            $6 = $7.get($1, $8=#2)
            if $6.$9 >= #3:
                raise $10(#S4 % $6.$9)
            return $6.$11()
        except $7.$12 as $13:
            $4 = $13
            time.sleep($3 * (2 ** $5))
    raise $10(#S5) from $4
""",
    ),
    "javascript": (
        "x.js",
        """async function $0($1, $2 = #0, $3 = #1) {
  let $4 = null;
  for (let $5 = 0; $5 < $2; $5++) {
    try {
      const $6 = await $7($1, { $8: #2 });
      if ($6.$9 >= #3) {
        throw new $10(#S4 + $6.$9);
      }
      return await $6.$11();
    } catch ($13) {
      $4 = $13;
      await $12($3 * 2 ** $5);
    }
  }
  throw new $10(#S5);
}
""",
    ),
    "typescript": (
        "x.ts",
        """export async function $0($1: $14, $2 = #0, $3 = #1): Promise<$15> {
  let $4: $15 | null = null;
  for (let $5 = 0; $5 < $2; $5++) {
    try {
      const $6 = await $7($1, { $8: #2 });
      if ($6.$9 >= #3) {
        throw new $10(#S4 + $6.$9);
      }
      return (await $6.$11()) as $15;
    } catch ($13) {
      $4 = null;
      await $12($3 * 2 ** $5);
    }
  }
  throw new $10(#S5);
}
""",
    ),
    "java": (
        "X.java",
        """class $14 {
    $15 $0($15 $1, int $2, long $3) throws $10 {
        $10 $4 = null;
        for (int $5 = 0; $5 < $2; $5++) {
            try {
                $16 $6 = $7.$8($1, #2);
                if ($6.$9() >= #3) {
                    throw new $10(#S4 + $6.$9());
                }
                return $6.$11();
            } catch ($10 $13) {
                $4 = $13;
                $12.sleep($3 * (#1L << $5));
            }
        }
        throw new $10(#S5, $4);
    }
}
""",
    ),
    "go": (
        "x.go",
        """package $14

func $0($1 $15, $2 int, $3 $16) (*$17, error) {
	var $4 error
	for $5 := 0; $5 < $2; $5++ {
		$6, $13 := $7.$8($1)
		if $13 == nil && $6.$9 < #3 {
			return $6, nil
		}
		if $13 == nil {
			$13 = $10.$11(#S4, $6.$9)
		}
		$4 = $13
		$12.Sleep($3 * #1)
	}
	return nil, $10.$11(#S5, $1, $4)
}
""",
    ),
}
SLOTS = 18


def fill(template: str, language: str, names: list[str], literals: list[int], texts: list[str]) -> str:
    def literal(m: re.Match[str]) -> str:
        n = int(m.group(2))
        if m.group(1):  # a string
            return json.dumps(texts[n]) if language != "python" else repr(texts[n])
        return str(literals[n])

    code = re.sub(r"#(S?)(\d+)", literal, template)
    return re.sub(r"\$(\d+)", lambda m: names[int(m.group(1))], code)


def fingerprints(language: str, path: str, code: str) -> list[str]:
    parsed = languages.get(language).parse(code, path)
    assert parsed.error is None, (parsed.error, code)
    return [to_unit(raw, path=path, root=".", language=language, imports=()).fingerprint for raw in parsed.units]


@settings(max_examples=40, deadline=None)
@given(
    language=st.sampled_from(sorted(TEMPLATES)),
    names=st.lists(identifiers, min_size=SLOTS, max_size=SLOTS, unique=True),
    literals=st.lists(st.integers(min_value=0, max_value=10**9), min_size=6, max_size=6),
    texts=st.lists(words, min_size=6, max_size=6),
)
def test_renaming_never_changes_a_type2_fingerprint_in_any_language(
    language: str, names: list[str], literals: list[int], texts: list[str]
) -> None:
    path, template = TEMPLATES[language]
    original = fill(template, language, [f"name{i}" for i in range(SLOTS)], [1, 2, 3, 4, 5, 6], ["a"] * 6)
    renamed = fill(template, language, names, literals, texts)
    want = fingerprints(language, path, original)
    assert len(want) == 1
    assert fingerprints(language, path, renamed) == want


# -- clusters do not depend on the order units are found ------------------------------------------


@st.composite
def unit_sets(draw: st.DrawFn) -> list[Unit]:
    """Units drawn around a few base token streams, each copy edited a little, at distinct locations."""
    vocabulary = [Token(KEYWORD, w, 0) for w in VOCABULARY] + [Token(NAME, "x", 0), Token(LITERAL, "1", 0)]
    rng = random.Random(draw(st.integers(0, 2**32)))
    bases = [[rng.choice(vocabulary) for _ in range(rng.randint(30, 90))] for _ in range(draw(st.integers(1, 4)))]
    units = []
    for n in range(draw(st.integers(2, 24))):
        tokens = list(rng.choice(bases))
        for _ in range(draw(st.integers(0, 6))):  # edits: replace, insert or delete a token
            i = rng.randrange(len(tokens))
            op = rng.choice("rid")
            if op == "r":
                tokens[i] = rng.choice(vocabulary)
            elif op == "i":
                tokens.insert(i, rng.choice(vocabulary))
            elif len(tokens) > 10:
                del tokens[i]
        path = f"team{rng.randint(0, 3)}/m{n % 5}.py"
        start = 1 + 100 * n
        raw = RawUnit(f"f{n}", "function", start, start + len(tokens) // 5, tuple(tokens))
        units.append(to_unit(raw, path=path, root=path.split("/")[0], language="python", imports=()))
    return units


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(unit_sets(), st.randoms(use_true_random=False))
def test_clusters_do_not_depend_on_the_order_units_are_found(units: list[Unit], rnd: random.Random) -> None:
    config = ScanConfig(min_tokens=10, threshold=0.6)
    clusters = find_clusters(units, config)
    shuffled = list(units)
    rnd.shuffle(shuffled)
    assert find_clusters(shuffled, config) == clusters
    # and they are well formed: groups of 2+, no unit twice, every member within the member floor of its
    # representative and of every other member (a member joins along a judged pair at the threshold, but
    # need not be that close to the representative itself: config.ScanConfig.member_similarity)
    floor = config.member_floor
    seen: set[tuple[str, int]] = set()
    for c in clusters:
        assert len(c.instances) >= 2
        for inst in c.instances:
            assert (inst.path, inst.start_line) not in seen
            seen.add((inst.path, inst.start_line))
            assert inst.similarity >= floor
        assert c.similarity == min(i.similarity for i in c.instances)
        assert floor <= c.weakest <= c.similarity


# -- whole scans ----------------------------------------------------------------------------------

SNIPPETS = [
    (Path(__file__).parents[1] / "fixtures" / "hostile" / "clean" / name).read_text(encoding="utf-8")
    for name in ("retry.py", "retry.js", "retry.ts", "retry.go", "RetryClient.java")
]
ENDINGS = [".py", ".js", ".ts", ".go", ".java"]


def scan_json(root: str, *options: str) -> bytes:
    res = CliRunner().invoke(cli, ["scan", root, "--format", "json", "--jobs", "1", "-q", *options])
    assert res.exit_code == 0, res.output
    return res.stdout_bytes


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    files=st.lists(
        st.tuples(st.sampled_from(["a", "b", "c/d", "e"]), st.integers(0, 4), identifiers),
        min_size=1,
        max_size=10,
        unique_by=lambda f: (f[0], f[1], f[2].lower()),
    ),
    order=st.randoms(use_true_random=False),
)
def test_a_scan_is_byte_identical_whatever_order_the_files_are_created_in(
    files: list[tuple[str, int, str]], order: random.Random
) -> None:
    """The same files created in two orders at the same place, each scanned twice: one report, byte for byte.

    (The same place: a folder's name is the team of code no owner file names.)
    """
    contents = {}
    for folder, kind, name in files:
        snippet = SNIPPETS[kind].replace("etch", name, 1).replace("etch", name.lower(), 1)
        contents[f"{folder}/{name.lower()}{ENDINGS[kind]}"] = snippet
    reports = []
    with tempfile.TemporaryDirectory() as tmp:
        root = os.path.join(tmp, "repo")
        for shuffle in (False, True):
            paths = sorted(contents)
            if shuffle:
                order.shuffle(paths)
            for rel in paths:
                target = os.path.join(root, rel)
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "w", encoding="utf-8") as fh:
                    fh.write(contents[rel])
            reports.append(scan_json(root, "--no-cache"))
            reports.append(scan_json(root))  # through the cache: cold for the first order, warm for the second
            shutil.rmtree(root)
    assert reports[0] == reports[1] == reports[2] == reports[3]
    assert json.loads(reports[0])["stats"]["files"] == len(contents)
