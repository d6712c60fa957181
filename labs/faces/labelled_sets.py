"""The Face verification lab's views on a labelled set: choosing tau, the triplet loss, the embedding space
and the siamese head. They work from stored embeddings, so they need neither a camera nor the weights."""

import numpy as np
import pandas as pd
import streamlit as st
import torch

from cvcore import faces
from cvcore.errors import InvalidParameter
from cvcore.viz.faces import distance_histogram, embedding_figure, rates_figure, roc_figure
from labs.faces import verification as lab
from labs.faces.settings import FacesSettings as S
from ui import glossary
from ui.figures import show_chart

__all__ = ["threshold_view", "triplet_view", "space_view", "siamese_view"]

_CHART = {"displayModeBar": False}
_TRAINED = "faces.siamese_trained"


def _best_tau(value: float) -> None:
    low, high = S.field("tau").bounds
    S.put("tau", round(min(high, max(low, value)), 2))


def threshold_view() -> None:
    st.markdown("Face libraries hard-code tau; here it comes from evidence. Take labelled pairs (every same-person "
                "pair, and as many random different-person pairs), look at their distances, and pick the tau that "
                "trades false accepts (FAR) against false rejects (FRR) the way your use needs.")
    s = lab.set_picker()
    if s is None:
        return
    metric = lab.metric_radio()
    d, same = lab.pair_distances(s, metric)
    if same.all() or not same.any():
        st.info("This set needs at least one person with two photos and two different people.")
        return
    r = faces.roc(d, same)
    summary = faces.threshold_summary(d, same)
    tau = lab.tau_slider()
    far, frr, acc = faces.rates_at(d, same, tau)
    a, b = st.columns(2)
    a.button(f"Set tau to the accuracy-maximising {summary.best_threshold:.2f}", on_click=_best_tau,
             args=(summary.best_threshold,), key="faces_best_tau")
    b.button(f"Set tau to the equal-error point {summary.eer_threshold:.2f}", on_click=_best_tau,
             args=(summary.eer_threshold,), key="faces_eer_tau")
    st.markdown(f"At tau = **{tau:.2f}**: FAR **{far:.3f}**, FRR **{frr:.3f}**, accuracy **{acc:.3f}** over "
                f"{int(same.sum())} same and {int((~same).sum())} different pairs. Equal-error rate **{summary.eer:.3f}** "
                f"at tau = {summary.eer_threshold:.3f}; best accuracy **{summary.best_accuracy:.3f}** at tau = "
                f"{summary.best_threshold:.3f}; ROC AUC **{r.auc:.4f}**.")
    show_chart(st, distance_histogram(d[same], d[~same], tau, metric=metric), key="faces_thr_hist", config=_CHART)
    left, right = st.columns(2)
    show_chart(left, roc_figure(r.far.numpy(), r.tar.numpy(), r.auc, (far, 1 - frr)), key="faces_roc", config=_CHART)
    taus = np.concatenate([[0.0], r.thresholds[1:].numpy(), [2.0]])
    far_curve = np.concatenate([[0.0], r.far[1:].numpy(), [1.0]])
    frr_curve = np.concatenate([[1.0], r.frr[1:].numpy(), [0.0]])
    show_chart(right, rates_figure(taus, far_curve, frr_curve, tau, summary.eer_threshold, metric=metric),
                       key="faces_rates", config=_CHART)
    st.caption("A bank's door wants a tiny FAR (move tau left); a photo app that groups your friends tolerates some "
               "false accepts to miss fewer of them (move tau right).")


def triplet_view() -> None:
    glossary.markdown("Training makes d(A, P) small and d(A, N) large with the **triplet loss** "
                "L(A, P, N) = max(d(A, P) - d(A, N) + alpha, 0), with d the squared Euclidean distance of the unit "
                "embeddings. The margin alpha keeps the network from the trivial answer of mapping every face to one point.")
    s = lab.set_picker()
    if s is None:
        return
    people, labels = s["people"], s["labels"]
    options = list(range(len(people)))
    a = st.selectbox("Anchor A", options, key="faces_t_a", format_func=lambda n: labels[n])
    positives = [n for n in options if people[n] == people[a] and n != a]
    negatives = [n for n in options if people[n] != people[a]]
    if not positives or not negatives:
        st.info("The anchor needs another photo of the same person and a photo of someone else.")
        return
    c1, c2 = st.columns(2)
    p = c1.selectbox("Positive P (same person)", positives, key=f"faces_t_p{a}", format_func=lambda n: labels[n])
    n = c2.selectbox("Negative N (someone else)", negatives, key=f"faces_t_n{a}", format_func=lambda n: labels[n])
    margin = float(S.widget("margin"))
    e = s["embeddings"]
    d_ap = float(((e[a] - e[p]) ** 2).sum())
    d_an = float(((e[a] - e[n]) ** 2).sum())
    loss = float(faces.triplet_loss(e[a], e[p], e[n], margin))
    st.image([s["crops"][a], s["crops"][p], s["crops"][n]], caption=["A", "P", "N"], width=112)
    kind = "easy (nothing to learn)" if d_an > d_ap + margin else "hard (N nearer than P)" if d_an <= d_ap else "semi-hard"
    st.markdown(f"d(A, P) = **{d_ap:.3f}**, d(A, N) = **{d_an:.3f}**: L = max({d_ap:.3f} - {d_an:.3f} + {margin:.2f}, 0) "
                f"= **{loss:.3f}**, {'an' if kind.startswith('easy') else 'a'} {kind} triplet.")
    counts = faces.triplet_kinds(e, pd.factorize(pd.Series(people))[0].tolist(), margin)
    st.dataframe(pd.DataFrame([{"triplets in the set": counts.total, "easy (loss 0)": counts.easy,
                                "semi-hard": counts.semi_hard, "hard": counts.hard}]), hide_index=True)
    st.caption("Random triplets are mostly easy and teach nothing; FaceNet trains on the hard and semi-hard ones. "
               "Raise alpha and watch easy triplets become semi-hard.")


def space_view() -> None:
    st.markdown("Each face becomes 128 numbers. Projected on their two main directions (PCA), photos of one person "
                "should gather and different people should lie apart: that is what the distance d measures.")
    s = lab.set_picker()
    if s is None:
        return
    points, ratio = faces.pca_2d(s["embeddings"])
    show_chart(st, embedding_figure(points.numpy(), s["people"], s["labels"], ratio.tolist()), key="faces_pca",
                    config=_CHART)


def siamese_view() -> None:
    st.markdown("The course's alternative to a threshold: treat verification as **binary classification**. A "
                "logistic unit reads |f(x_i) - f(x_j)| (128 numbers) and outputs p(same). Half of the labelled pairs "
                "train it; the other half compare it with the threshold rule (tau fitted on the same training half).")
    s = lab.set_picker()
    if s is None:
        return
    codes = pd.factorize(pd.Series(s["people"]))[0].tolist()
    try:
        i, j, same = faces.labelled_pairs(codes, seed=0)
    except InvalidParameter as exc:
        st.info(str(exc))
        return
    order = torch.randperm(len(i), generator=torch.Generator().manual_seed(1))
    train, test = order[: len(order) // 2], order[len(order) // 2:]
    if len(torch.unique(same[train])) < 2 or len(torch.unique(same[test])) < 2:
        st.info("Too few pairs to split into training and test halves with both kinds: add photos.")
        return
    e = s["embeddings"]
    st.button("Train the siamese head", key="faces_train", on_click=st.session_state.update, args=({_TRAINED: True},))
    if not st.session_state.get(_TRAINED):
        st.info(f"{len(train)} training pairs, {len(test)} test pairs. Click to train (a second or two).")
        return
    head = faces.train_siamese_head(e[i[train]], e[j[train]], same[train], steps=300, lr=0.05)
    p = head.probability(e[i[test]], e[j[test]])
    head_acc = float(((p > 0.5) == same[test]).float().mean())
    d = faces.pair_distances(e, i, j, "cosine")
    tau = faces.threshold_summary(d[train], same[train]).best_threshold
    rule_acc = faces.rates_at(d[test], same[test], tau)[2]
    st.line_chart(pd.DataFrame({"training loss": head.losses}), x_label="step", y_label="binary cross-entropy")
    st.dataframe(pd.DataFrame([{"method": "siamese head p(same) > 0.5", "test accuracy": round(head_acc, 3)},
                               {"method": f"threshold rule d <= {tau:.3f} (cosine)", "test accuracy": round(rule_acc, 3)}]),
                 hide_index=True)
