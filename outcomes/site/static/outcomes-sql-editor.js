// Datasette 0.65's SQL editor (its _codemirror_foot.html), from a file of
// the site: CodeMirror's own text area is named for screen readers by the
// label of the one it replaces (screenReaderLabel, CodeMirror 5.55+).
window.addEventListener("load", () => {
    const sqlFormat = document.querySelector("button#sql-format");
    const readOnly = document.querySelector("pre#sql-query");
    const sqlInput = document.querySelector("textarea#sql-editor");
    if (sqlFormat && !readOnly) {
        sqlFormat.hidden = false;
    }
    if (sqlInput) {
        const editor = CodeMirror.fromTextArea(sqlInput, {
            lineNumbers: true,
            mode: "text/x-sql",
            lineWrapping: true,
            screenReaderLabel: sqlInput.getAttribute("aria-label"),
        });
        editor.setOption("extraKeys", {
            "Shift-Enter": () => document.getElementsByClassName("sql")[0].submit(),
            Tab: false,
        });
        if (sqlFormat) {
            sqlFormat.addEventListener("click", () => editor.setValue(sqlFormatter.format(editor.getValue())));
        }
        cmResize(editor, {resizableWidth: false});
    }
    if (sqlFormat && readOnly) {
        const formatted = sqlFormatter.format(readOnly.innerHTML);
        if (formatted != readOnly.innerHTML) {
            sqlFormat.hidden = false;
            sqlFormat.addEventListener("click", () => { readOnly.innerHTML = formatted; });
        }
    }
});
