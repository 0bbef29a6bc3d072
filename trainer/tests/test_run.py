"""End-to-end runs of ``python -m fdsl_trainer`` on a generated dataset and Fashion-MNIST."""

import errno
import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from fdsl_trainer import run
from fdsl_trainer.config import parse_config
from fdsl_trainer.data import ImageSet
from fdsl_trainer.errors import ConfigError, TrainerError
from fdsl_trainer.loop import Precision
from fdsl_trainer.models import build_model
from fdsl_trainer.scoring import cumulative_error

TRAINER = Path(__file__).resolve().parents[1]


def run_trainer(config, tmp_path, name="config.json"):
    path = tmp_path / name
    path.write_text(json.dumps(config))
    result = subprocess.run(
        [sys.executable, "-m", "fdsl_trainer", "run", str(path)],
        cwd=TRAINER, capture_output=True, text=True, timeout=300,
    )
    events = [json.loads(line) for line in result.stdout.splitlines()]
    return result, events


def tiny_config(dataset, out, seed=0):
    return {
        "pretrain": None if dataset is None else {"path": str(dataset), "epochs": 2, "batch_size": 16},
        "finetune": {"datasets": ["fashion-mnist"], "epochs": 3, "batch_size": 32,
                     "train_images": 200, "test_images": 100},
        "width": 8, "seed": seed, "threads": 1, "knn": 5, "out": str(out),
    }


@pytest.fixture(scope="module")
def pretrained_run(fractal_dataset, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("run")
    return tmp, run_trainer(tiny_config(fractal_dataset, tmp / "out"), tmp)


def test_run_emits_epoch_lines(pretrained_run):
    _, (result, events) = pretrained_run
    assert result.returncode == 0, result.stderr
    kinds = [event["event"] for event in events]
    assert kinds[0] == "start"
    assert kinds[-1] == "done"
    pretrain = [e for e in events if e["event"] == "epoch" and e["phase"] == "pretrain"]
    finetune = [e for e in events if e["event"] == "epoch" and e["phase"] == "finetune"]
    assert [e["epoch"] for e in pretrain] == [1, 2]
    assert [e["epoch"] for e in finetune] == [1, 2, 3]
    for event in finetune:
        assert 0.0 <= event["test_error"] <= 100.0
        assert event["test_acc"] == pytest.approx(100.0 - event["test_error"])


def test_run_score_sums_scored_epochs(pretrained_run):
    tmp, (_, events) = pretrained_run
    errors = [e["test_error"] for e in events if e["event"] == "epoch" and e["phase"] == "finetune"]
    score = next(e for e in events if e["event"] == "score")
    # Three epochs: epochs 2 and 3 count.
    assert score["scored_epochs"] == [2, 3]
    assert score["cumulative_error"] == pytest.approx(errors[1] + errors[2])
    assert score["cumulative_error"] == pytest.approx(cumulative_error(errors))
    written = json.loads((tmp / "out" / "scores.json").read_text())
    assert written == {"fashion-mnist": pytest.approx(score["cumulative_error"])}


def test_run_reports_probe_and_data(pretrained_run):
    _, (_, events) = pretrained_run
    probe = next(e for e in events if e["event"] == "probe")
    assert 0.0 <= probe["knn_acc"] <= 100.0
    assert 0.0 <= probe["linear_acc"] <= 100.0
    data = [e for e in events if e["event"] == "data"]
    assert data[0]["classes"] == 4
    assert data[0]["images"] == 32
    assert data[1]["train_images"] == 200
    assert data[1]["test_images"] == 100


def test_run_same_seed_same_scores(fractal_dataset, pretrained_run, tmp_path):
    _, (_, first) = pretrained_run
    _, again = run_trainer(tiny_config(fractal_dataset, tmp_path / "out"), tmp_path)
    assert first[-1]["scores"] == again[-1]["scores"]


def test_run_scratch_arm(tmp_path):
    result, events = run_trainer(tiny_config(None, tmp_path / "out"), tmp_path)
    assert result.returncode == 0, result.stderr
    assert not [e for e in events if e.get("phase") == "pretrain"]
    assert "fashion-mnist" in events[-1]["scores"]


def test_run_invalid_config_exits_2(tmp_path):
    config = tiny_config(None, tmp_path / "out")
    config["finetune"]["epochs"] = 0
    result, events = run_trainer(config, tmp_path)
    assert result.returncode == 2
    assert "finetune.epochs" in events[-1]["message"]


def test_run_missing_pretrain_folder_exits_2(tmp_path):
    config = tiny_config(tmp_path / "absent", tmp_path / "out")
    result, events = run_trainer(config, tmp_path)
    assert result.returncode == 2
    assert "not found" in events[-1]["message"]


def test_run_missing_chosen_downstream_names_option(tmp_path):
    config = tiny_config(None, tmp_path / "out")
    config["dataset_paths"] = {"fashion-mnist": str(tmp_path / "absent")}
    result, events = run_trainer(config, tmp_path)
    assert result.returncode == 2
    assert "pass an existing folder for fashion-mnist in dataset_paths" in events[-1]["message"]


def test_run_missing_default_downstream_names_setup(tmp_path):
    config = tiny_config(None, tmp_path / "out")
    config["finetune"]["datasets"] = ["mnist"]
    config["data_root"] = str(tmp_path / "no-data")
    result, events = run_trainer(config, tmp_path)
    assert result.returncode == 2
    assert "put train-images-idx3-ubyte.gz" in events[-1]["message"]


def test_env_command_reports_torch():
    result = subprocess.run([sys.executable, "-m", "fdsl_trainer", "env"], cwd=TRAINER,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    environment = json.loads(result.stdout)
    assert environment["torch"]
    assert environment["cuda"] in (True, False)


def test_run_checkpoint_reused_only_when_settings_match(fractal_dataset, tmp_path):
    config = tiny_config(fractal_dataset, tmp_path / "out")
    config["pretrain"]["checkpoint"] = str(tmp_path / "weights.pt")
    _, first = run_trainer(config, tmp_path)
    assert any(e.get("saved") for e in first if e["event"] == "checkpoint")
    _, second = run_trainer(config, tmp_path)
    assert any(e.get("loaded") for e in second if e["event"] == "checkpoint")
    assert not [e for e in second if e.get("phase") == "pretrain" and e["event"] == "epoch"]
    assert second[-1]["scores"] == first[-1]["scores"]
    config["pretrain"]["epochs"] = 1
    _, third = run_trainer(config, tmp_path)
    assert [e["epoch"] for e in third if e.get("phase") == "pretrain" and e["event"] == "epoch"] == [1]


def image_set(count, classes):
    labels = torch.arange(count) % classes
    return ImageSet(torch.zeros(count, 1, 8, 8, dtype=torch.uint8), labels, classes, "data", count)


def test_checkpoint_key_counts_images_and_classes(tmp_path):
    config = parse_config({"pretrain": {"path": str(tmp_path)}})
    key = run.checkpoint_key(config, image_set(12, 4))
    assert key["images"] == 12
    assert key["classes"] == 4
    assert run.checkpoint_key(config, image_set(12, 3)) != key
    assert run.checkpoint_key(config, image_set(16, 4)) != key


def test_load_checkpoint_ignores_other_class_count(tmp_path):
    # A dataset regenerated into the same folder with other categories.
    config = parse_config({"pretrain": {"path": str(tmp_path / "data")}})
    path = tmp_path / "weights.pt"
    run.save_checkpoint(path, run.checkpoint_key(config, image_set(12, 4)), build_model("resnet8", 4, 8))
    model = build_model("resnet8", 3, 8)
    assert run.load_checkpoint(path, run.checkpoint_key(config, image_set(12, 3)), model) is False


def test_load_checkpoint_rejects_truncated_file(tmp_path):
    config = parse_config({"pretrain": {"path": str(tmp_path / "data")}})
    key = run.checkpoint_key(config, image_set(12, 4))
    path = tmp_path / "weights.pt"
    run.save_checkpoint(path, key, build_model("resnet8", 4, 8))
    path.write_bytes(path.read_bytes()[:1000])
    with pytest.raises(TrainerError, match="delete it") as caught:
        run.load_checkpoint(path, key, build_model("resnet8", 4, 8))
    assert str(path) in str(caught.value)


def test_load_checkpoint_rejects_foreign_file(tmp_path):
    path = tmp_path / "weights.pt"
    torch.save([1, 2, 3], path)
    with pytest.raises(TrainerError, match="contains no saved weights"):
        run.load_checkpoint(path, {}, build_model("resnet8", 4, 8))


def test_save_checkpoint_full_disk_removes_temp(tmp_path, monkeypatch):
    def save_half(_, file):
        Path(file).write_bytes(b"partial")
        raise RuntimeError("PytorchStreamWriter failed writing file data/0: file write failed")

    monkeypatch.setattr(run.torch, "save", save_half)
    path = tmp_path / "weights.pt"
    with pytest.raises(TrainerError) as caught:
        run.save_checkpoint(path, {}, build_model("resnet8", 4, 8))
    message = str(caught.value)
    assert str(path) in message
    assert "PytorchStreamWriter failed writing file" in message
    assert "free disk space or choose another folder" in message
    assert list(tmp_path.iterdir()) == []


def test_write_scores_full_disk_removes_temp(tmp_path, monkeypatch):
    def write_half(self, _):
        with open(self, "w") as file:
            file.write("{")
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Path, "write_text", write_half)
    out = tmp_path / "out"
    with pytest.raises(TrainerError) as caught:
        run.write_scores(out, {"fashion-mnist": 12.5})
    message = str(caught.value)
    assert str(out / "scores.json") in message
    assert "No space left on device" in message
    assert "free disk space or choose another folder" in message
    assert list(out.iterdir()) == []


def write_folder(root, classes, per_class):
    """Write 8x8 gray PNGs root/<class>/<i>.png for each class name."""
    from PIL import Image

    for class_name in classes:
        (root / class_name).mkdir(parents=True)
        for i in range(per_class):
            Image.new("L", (8, 8), color=i).save(root / class_name / f"{i}.png")


def test_pretrain_rejects_one_class(tmp_path):
    write_folder(tmp_path / "data", ["only"], 4)
    config = parse_config({"pretrain": {"path": str(tmp_path / "data")}, "image_size": 8})
    with pytest.raises(ConfigError, match="at least 2") as caught:
        run.pretrain(config, Precision(torch.device("cpu"), None), lambda event: None)
    assert str(tmp_path / "data") in str(caught.value)


@pytest.mark.parametrize("field, requested, available", [
    ("train_images", 7, 6),
    ("test_images", 5, 4),
])
def test_finetune_rejects_split_smaller_than_requested(tmp_path, field, requested, available):
    write_folder(tmp_path / "fm" / "train", ["a", "b"], 3)
    write_folder(tmp_path / "fm" / "val", ["a", "b"], 2)
    config = parse_config({
        "finetune": {field: requested}, "image_size": 8,
        "dataset_paths": {"fashion-mnist": str(tmp_path / "fm")},
    })
    with pytest.raises(ConfigError) as caught:
        run.finetune(config, None, "fashion-mnist", Precision(torch.device("cpu"), None), lambda event: None)
    message = str(caught.value)
    assert "fashion-mnist" in message
    assert f"has {available} " in message
    assert f"requests {requested}" in message
    assert "import more images" in message
    assert f"--{field.replace('_', '-')}" in message
