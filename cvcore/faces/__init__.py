"""Face verification and recognition: detect (MTCNN), align (five landmarks -> 112x112), embed
(MobileFaceNet), compare with a distance and a threshold; the triplet loss, threshold choice and a
siamese head. Faces are processed in memory only: nothing here writes or logs an image.

    >>> from cvcore import faces
    >>> detector, model = faces.load_mtcnn(), faces.load_mobilefacenet()  # doctest: +SKIP
    >>> faces.verify(photo1, photo2, 0.6, detector=detector, model=model).same  # doctest: +SKIP
"""

from cvcore.faces.align import ALIGNED_SIZE, TEMPLATE, align_face, apply_transform, resize_face, similarity_transform
from cvcore.faces.data import (
                               CROP_DETECTION,
                               FOLDER_ENV,
                               LABELLED_SAMPLES,
                               SAMPLE_PEOPLE,
                               FaceSet,
                               face_folder_from_env,
                               labelled_pairs,
                               load_face_folder,
                               load_sample_embeddings,
                               sample_faces,
)
from cvcore.faces.detect import LANDMARK_NAMES, Face, detect_faces, largest_face
from cvcore.faces.embed import EMBEDDING_SIZE, MobileFaceNet, embed_crops, load_mobilefacenet
from cvcore.faces.learn import SiameseHead, TripletCounts, pca_2d, train_siamese_head, triplet_kinds, triplet_loss
from cvcore.faces.metrics import Roc, ThresholdSummary, rates_at, roc, threshold_summary
from cvcore.faces.mtcnn import Mtcnn, load_mtcnn
from cvcore.faces.verify import (
                               DEFAULT_THRESHOLDS,
                               METRICS,
                               FaceCrop,
                               NoFaceFound,
                               Recognition,
                               Verification,
                               crop_face,
                               distance_matrix,
                               embed,
                               pair_distances,
                               recognise,
                               verify,
)

__all__ = [
    "ALIGNED_SIZE", "TEMPLATE", "align_face", "apply_transform", "resize_face", "similarity_transform",
    "CROP_DETECTION", "FOLDER_ENV", "LABELLED_SAMPLES", "SAMPLE_PEOPLE", "load_sample_embeddings", "FaceSet", "face_folder_from_env", "labelled_pairs", "load_face_folder",
    "sample_faces", "LANDMARK_NAMES", "Face", "detect_faces", "largest_face", "EMBEDDING_SIZE", "MobileFaceNet",
    "embed_crops", "load_mobilefacenet", "SiameseHead", "TripletCounts", "pca_2d", "train_siamese_head",
    "triplet_kinds", "triplet_loss", "Roc", "ThresholdSummary", "rates_at", "roc", "threshold_summary", "Mtcnn",
    "load_mtcnn", "DEFAULT_THRESHOLDS", "METRICS", "FaceCrop", "NoFaceFound", "Recognition", "Verification",
    "crop_face", "distance_matrix", "embed", "pair_distances", "recognise", "verify",
]
