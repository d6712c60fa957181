"""The Convolution page driven through Streamlit's AppTest."""

from tests.pages.conftest import errors, grid_pictures, image_captions, photos, texts


def _step_expression(at) -> str:
    return at.code[0].value


def _size_formula(at) -> str:
    """The output-size formula as the page writes it: one line for a square output, "n_H' = n_W' = ..."."""
    lines = [line for line in (x.value.strip("$\n") for x in at.latex) if line.startswith("n_H' = n_W' =")]
    assert len(lines) == 1, [x.value for x in at.latex]
    return lines[0]


def test_default_is_the_course_6x6_example(open_page):
    at = open_page("convolution")
    assert errors(at) == []
    assert at.title[0].value == "Convolution"
    assert at.slider(key="conv.step").max == 16
    assert _step_expression(at) == "3×1 + 1×1 + 2×1 + 0×0 + 5×0 + 7×0 + 1×(-1) + 8×(-1) + 2×(-1) = -5"
    # n' = (6 + 2*0 - 1*(3 - 1) - 1) / 1 + 1 = 6 - 3 + 1 = 4
    assert _size_formula(at).endswith(r"\frac{6 + 2 \cdot 0 - 1\,(3 - 1) - 1}{1} \right\rfloor + 1 "
                                      r"= \lfloor 3 / 1 \rfloor + 1 = 4")
    page = texts(at)
    assert "largest difference from the step-by-step result is **0**" in page
    assert "x = torch.tensor" in page and "F.conv2d" in page


def test_stride_changes_the_output_size_and_steps(open_page):
    at = open_page("convolution")
    at.number_input(key="conv.stride").set_value(2).run()
    assert errors(at) == []
    assert at.slider(key="conv.step").max == 4
    # n' = floor((6 - 2 - 1) / 2) + 1 = floor(3 / 2) + 1 = 2
    assert _size_formula(at).endswith(r"\frac{6 + 2 \cdot 0 - 1\,(3 - 1) - 1}{2} \right\rfloor + 1 "
                                      r"= \lfloor 3 / 2 \rfloor + 1 = 2")
    assert at.query_params["stride"] == "2"


def test_stepping_forward_and_back(open_page):
    at = open_page("convolution")
    at.button(key="conv.step_next").click().run()
    assert at.slider(key="conv.step").value == 2
    assert _step_expression(at).endswith("= -4")
    at.slider(key="conv.step").set_value(16).run()
    assert _step_expression(at).endswith("= -16")
    at.button(key="conv.step_prev").click().run()
    assert _step_expression(at).endswith("= -3")


def test_stride_example_shows_true_values_and_names_the_misprint(open_page):
    at = open_page("convolution")
    at.selectbox(key="conv.src").set_value("stride_7x7").run()
    assert at.number_input(key="conv.stride").value == 2
    assert at.selectbox(key="conv.kernel").value == "custom"
    at.slider(key="conv.step").set_value(3).run()
    assert _step_expression(at).endswith("= 88")
    at.slider(key="conv.step").set_value(6).run()
    assert _step_expression(at).endswith("= 117")
    assert "83 and 127" in texts(at) and "88 and 117" in texts(at)


def test_padding_same_and_modes(open_page):
    at = open_page("convolution")
    at.radio(key="conv.pad").set_value("same").run()
    assert at.slider(key="conv.step").max == 36
    assert "Input 6x6, padded to 8x8 (zeros)" in grid_pictures(at)[0]
    at.selectbox(key="conv.mode").set_value("reflect").run()
    assert errors(at) == []
    assert "mode='reflect'" in texts(at)


def test_same_padding_with_stride_two_is_explained_not_crashed(open_page):
    at = open_page("convolution", pad="same", stride="2")
    assert any("'same' padding keeps the size only at stride 1" in e for e in errors(at))
    at.number_input(key="conv.stride").set_value(1).run()
    assert errors(at) == []


def test_kernel_larger_than_the_input_is_explained(open_page):
    at = open_page("convolution", src="lecture_5x5", kernel="box_blur", ksize="7")
    assert any("kernel does not fit" in e for e in errors(at))
    assert "\\le 0" in "\n".join(x.value for x in at.latex)
    at.radio(key="conv.pad").set_value("number").run()  # p = 1 makes 5 + 2 = 7 fit
    assert errors(at) == []
    assert "Step 1 of 1" in texts(at)


def test_dilation_and_flip(open_page):
    at = open_page("convolution", src="random", n="9")
    at.number_input(key="conv.dilation").set_value(2).run()
    assert at.slider(key="conv.step").max == 25  # 9 - 2*(3-1) = 5
    at.toggle(key="conv.flip").set_value(True).run()
    assert "torch.flip" in texts(at) and "True convolution" in texts(at)


def test_links_with_garbage_fall_back_to_defaults(open_page):
    at = open_page("convolution", stride="abc", dilation="99", src="nope", pad="weird", step="-4")
    assert errors(at) == []
    assert at.number_input(key="conv.stride").value == 1
    assert at.selectbox(key="conv.src").value == "edge_6x6"


def test_a_link_reopens_the_same_state(open_page):
    at = open_page("convolution")
    at.selectbox(key="conv.src").set_value("random").run()
    at.number_input(key="conv.n").set_value(10).run()
    at.selectbox(key="conv.kernel").set_value("sobel_y").run()
    at.slider(key="conv.step").set_value(7).run()
    params = {k: (v[0] if isinstance(v, list) else v) for k, v in at.query_params.items()}
    expression = _step_expression(at)
    again = open_page("convolution", **params)
    assert _step_expression(again) == expression
    assert again.slider(key="conv.step").value == 7


def test_pasting_a_grid_with_a_bad_cell_shows_an_error_and_keeps_working(open_page):
    at = open_page("convolution", src="custom")
    at.text_area(key="conv.grid__text").input("1 2 3\n4 x 6\n7 8 9").run()
    at.button(key="conv.grid__use").click().run()
    assert any("row 2, column 2" in e and "'x'" in e for e in errors(at))
    at.text_area(key="conv.grid__text").input("1 2 3 4\n5 6 7 8\n9 10 11 12\n13 14 15 16").run()
    at.button(key="conv.grid__use").click().run()
    assert errors(at) == []
    assert at.slider(key="conv.step").max == 4
    assert at.query_params["grid"] == "1,2,3,4/5,6,7,8/9,10,11,12/13,14,15,16"


def test_a_broken_grid_in_a_link_is_reported(open_page):
    at = open_page("convolution", src="custom", grid="1,2/3")
    assert any("could not be read" in e for e in errors(at))
    assert not at.exception


def test_photo_crop_input_and_real_photo_panel(open_page):
    at = open_page("convolution", src="photo", n="16", kernel="sobel_x")
    assert errors(at) == []
    assert at.slider(key="conv.step").max == 14 * 14
    captions = image_captions(at)
    assert captions[0] == "Input 451x300"
    assert captions[1].startswith("Output 451x300 (grey = 0")
    at.number_input(key="conv.stride").set_value(2).run()
    assert image_captions(at)[1].startswith(f"Output {(451 - 3) // 2 + 1}x{(300 - 3) // 2 + 1}")
    at.radio(key="conv.pic_source").set_value("Upload").run()
    assert errors(at) == [] and "No image yet" in texts(at)


def test_closed_sections_are_not_computed(open_page):
    at = open_page("convolution", sections_open=False)
    assert "F.conv2d" not in texts(at) and "largest difference" not in texts(at)
    assert [e.label for e in at.expander] == ["Lesson: 5 steps", "Predict, then reveal", "How it is computed",
                                              "PyTorch code", "Check against PyTorch", "Apply the kernel to a real photo"]
    assert photos(at) == []
    at.session_state["conv.open_check"] = True
    at.run()
    assert "largest difference from the step-by-step result is **0**" in texts(at)
