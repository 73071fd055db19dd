"""Being built."""

import streamlit as st

st.title("safety")
st.info("This page is being built.")
