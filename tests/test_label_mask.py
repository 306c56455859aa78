"""Local mask files: checksum, size and info in the upload form; reads give Remote masks."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from tensorbay_core.label import (
    InstanceMask,
    InstanceMaskInfo,
    Label,
    PanopticMask,
    PanopticMaskInfo,
    RemoteSemanticMask,
    SemanticMask,
    SemanticMaskInfo,
)


def test_local_mask_dumps_checksum_size_and_info(tmp_path: Path) -> None:
    body = os.urandom(200_000)  # several 64 KiB blocks
    path = tmp_path / "mask.png"
    path.write_bytes(body)
    mask = SemanticMask(str(path), [SemanticMaskInfo(1, {"wet": True}), SemanticMaskInfo(2)])
    assert mask.get_checksum() == hashlib.sha1(body).hexdigest()
    assert mask.dumps() == {
        "checksum": hashlib.sha1(body).hexdigest(),
        "fileSize": 200_000,
        "info": [{"categoryId": 1, "attributes": {"wet": True}}, {"categoryId": 2}],
    }


def test_instance_and_panoptic_masks_name_their_ids(tmp_path: Path) -> None:
    path = tmp_path / "mask.png"
    path.write_bytes(b"m")
    sha1 = hashlib.sha1(b"m").hexdigest()
    assert InstanceMask(str(path), [InstanceMaskInfo(3)]).dumps() == {
        "checksum": sha1,
        "fileSize": 1,
        "info": [{"instanceId": 3}],
    }
    assert PanopticMask(str(path), [PanopticMaskInfo(3, 7)]).dumps()["info"] == [
        {"instanceId": 3, "categoryId": 7}
    ]
    assert "info" not in InstanceMask(str(path)).dumps()


def test_label_dumps_a_local_mask_in_upload_form_and_loads_a_remote_one(tmp_path: Path) -> None:
    path = tmp_path / "mask.png"
    path.write_bytes(b"mask")
    label = Label()
    label.semantic_mask = SemanticMask(str(path), [SemanticMaskInfo(1)])
    assert label.dumps()["SEMANTIC_MASK"]["checksum"] == hashlib.sha1(b"mask").hexdigest()
    read = Label.loads({"SEMANTIC_MASK": {"remotePath": "masks/a.png", "info": [{"categoryId": 1}]}})
    assert read.semantic_mask == RemoteSemanticMask("masks/a.png", [SemanticMaskInfo(1)])
