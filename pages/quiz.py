"""Lesson check: short multiple-choice questions with immediate feedback and a link to the page that shows why."""

import streamlit as st

from rnnviz import quiz
from rnnviz.ui import session
from rnnviz.ui.page import page

state = page("Lesson check")
questions = quiz.questions(state)
st.caption(f"{len(questions)} questions on the equations, shapes, weight sharing and unrolling. Questions marked "
           "*live* use the network in the sidebar: change it and their answers change.")

answers = {}
for i, q in enumerate(questions, start=1):
    with st.container(border=True):
        label = f"**{i}. {q.prompt}**" + ("  \n:blue-badge[live]" if q.live else "")
        # A live question's options change with the network: its widget key changes with them.
        choice = st.radio(label, q.options, index=None, key=q.widget_key)
        answers[q.key] = choice
        reveal_key = f"{q.widget_key}_revealed"  # a wrong try keeps the answer back until asked for
        feedback = quiz.check(q, choice, reveal=session.get(reveal_key, False))
        if feedback is not None:
            if feedback.correct:
                st.success(feedback.message, icon=":material/check_circle:")
            else:
                st.error(feedback.message, icon=":material/cancel:")
                if not session.get(reveal_key, False):
                    st.button("Show the answer", key=f"{q.widget_key}_show", icon=":material/visibility:",
                              on_click=session.put, args=(reveal_key, True))
            st.page_link(q.page, label=f"See it on “{q.page_title}”", icon=":material/arrow_forward:")

correct, answered = quiz.score(questions, answers)
st.metric("Score", f"{correct} / {len(questions)}", help=f"{answered} of {len(questions)} answered")
if answered == len(questions):
    if correct == len(questions):
        st.success("All correct.", icon=":material/celebration:")
    else:
        st.info("Follow the links under the wrong answers to see each idea on its page.", icon=":material/info:")
