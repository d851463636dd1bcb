/** The page's one breakpoint (style.css has the same width): below it one column shows at a time. */
export const NARROW = '(max-width: 760px)';
