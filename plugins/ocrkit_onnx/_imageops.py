"""Pixel helpers shared by the three models: resizing, normalisation straight into
NCHW float32 tensors (no intermediate HWC float copy), perspective crops.

Grey images stay single-channel until the final write into the tensor: resizing
and warping one channel is three times cheaper than three.
"""

from __future__ import annotations

import numpy as np

__all__ = ["resize", "fill_normalised", "normalised_blob", "crop_quad", "quad_size"]


def resize(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Bilinear resize to (height, width) (what PaddleOCR's models were trained with)."""
    import cv2

    if image.shape[0] == height and image.shape[1] == width:
        return image
    return cv2.resize(image, (int(width), int(height)), interpolation=cv2.INTER_LINEAR)


def _coefficients(mean: tuple[float, float, float], std: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    scale = np.array([1.0 / (255.0 * s) for s in std], dtype=np.float32)
    offset = np.array([m / s for m, s in zip(mean, std)], dtype=np.float32)
    return scale, offset


def fill_normalised(
    dst: np.ndarray,
    src: np.ndarray,
    mean: tuple[float, float, float],
    std: tuple[float, float, float],
    bgr: bool,
) -> None:
    """Write ``(src / 255 - mean) / std`` into *dst* ``(3, H, W)`` in channel-first order.

    *src* is uint8 ``(H, W)`` (grey: every channel gets the same values) or
    ``(H, W, 3)`` RGB; *bgr* reverses the channel order for models trained on
    OpenCV's BGR images (PaddleOCR's).
    """
    scale, offset = _coefficients(mean, std)
    if src.ndim == 2:
        np.multiply(src, scale[0], out=dst[0], dtype=np.float32, casting="unsafe")
        dst[0] -= offset[0]
        if scale[0] == scale[1] == scale[2] and offset[0] == offset[1] == offset[2]:
            dst[1] = dst[0]
            dst[2] = dst[0]
        else:
            for c in (1, 2):
                np.multiply(src, scale[c], out=dst[c], dtype=np.float32, casting="unsafe")
                dst[c] -= offset[c]
        return
    order = (2, 1, 0) if bgr else (0, 1, 2)
    for c, channel in enumerate(order):
        np.multiply(src[:, :, channel], scale[c], out=dst[c], dtype=np.float32, casting="unsafe")
        dst[c] -= offset[c]


def normalised_blob(
    images: np.ndarray, mean: tuple[float, float, float], std: tuple[float, float, float], bgr: bool
) -> np.ndarray:
    """A ``(N, 3, H, W)`` float32 tensor from ``(N, H, W)`` or ``(N, H, W, 3)`` uint8 images."""
    n, h, w = images.shape[:3]
    blob = np.empty((n, 3, h, w), dtype=np.float32)
    for i in range(n):
        fill_normalised(blob[i], images[i], mean, std, bgr)
    return blob


def quad_size(quad: np.ndarray) -> tuple[int, int]:
    """Width and height of the rectified crop of a tl/tr/br/bl quadrilateral."""
    width = max(np.linalg.norm(quad[0] - quad[1]), np.linalg.norm(quad[3] - quad[2]))
    height = max(np.linalg.norm(quad[0] - quad[3]), np.linalg.norm(quad[1] - quad[2]))
    return max(1, int(width)), max(1, int(height))


def crop_quad(image: np.ndarray, quad: np.ndarray, vertical_ratio: float = 1.5) -> tuple[np.ndarray, np.ndarray]:
    """Rectify the text in *quad* into an upright crop; returns (crop, image->crop homography).

    A box much taller than wide is vertical text: it is rotated a quarter turn
    (counter-clockwise, as PaddleOCR does) in the same warp, so the homography
    maps image points to the rotated crop and word boxes map back exactly.
    """
    import cv2

    width, height = quad_size(quad)
    if height >= vertical_ratio * width:
        # counter-clockwise quarter turn: tl -> bottom-left, tr -> top-left ...
        dst = np.array([[0, width], [0, 0], [height, 0], [height, width]], dtype=np.float32)
        size = (height, width)
    else:
        dst = np.array([[0, 0], [width, 0], [width, height], [0, height]], dtype=np.float32)
        size = (width, height)
    matrix = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    crop = cv2.warpPerspective(
        image, matrix, size, flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return crop, matrix
