"""Being built."""

import streamlit as st

st.title("cases_like_this")
st.info("This page is being built.")
