/**
 * A menu button (the WAI-ARIA menu button pattern): Enter, Space or ArrowDown opens it on its first
 * item, ArrowUp on its last; arrows, Home and End move between items; Escape closes it and focus goes
 * back to the button; Tab or a click outside closes it. Message and member menus are lists of
 * {@link MenuItem}: a feature adds its entry where the list is made (message-actions.ts,
 * member-actions.ts).
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useLayoutEffect, useRef, useState } from 'preact/hooks';

export interface MenuItem {
  /** The item's text. */
  label: string;
  onSelect: () => void;
  /** Drawn in the danger colour (delete, report …). */
  danger?: boolean;
}

interface MenuProps {
  /** The button's accessible name, e.g. "Actions for alice's message of 14:03". */
  label: string;
  /** What the button shows (an icon); its name stays `label`. */
  children: ComponentChildren;
  items: MenuItem[];
  class?: string;
}

export function Menu({ label, children, items, class: className }: MenuProps) {
  const id = useId();
  const [open, setOpen] = useState<false | 'first' | 'last'>(false);
  const button = useRef<HTMLButtonElement>(null);
  const list = useRef<HTMLUListElement>(null);

  const itemsOf = () => [...(list.current?.querySelectorAll<HTMLButtonElement>('[role=menuitem]') ?? [])];
  const close = (refocus: boolean) => {
    setOpen(false);
    if (refocus) button.current?.focus();
  };

  // A layout effect: the item has the focus as soon as the menu is drawn. A passive effect waits for the
  // next frame, and a key pressed before it (Escape right after Enter) would reach the button instead.
  useLayoutEffect(() => {
    if (!open) return;
    const all = itemsOf();
    (open === 'last' ? all[all.length - 1] : all[0])?.focus();
  }, [open]);

  useEffect(() => {
    if (!open) return;
    const outside = (e: PointerEvent) => {
      const root = button.current?.parentElement;
      if (root && !root.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', outside);
    return () => document.removeEventListener('pointerdown', outside);
  }, [open]);

  const onButtonKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      setOpen('first');
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen('last');
    } else if (e.key === 'Escape' && open) {
      e.preventDefault();
      close(true);
    }
  };

  const onMenuKey = (e: KeyboardEvent) => {
    const all = itemsOf();
    const at = all.indexOf(document.activeElement as HTMLButtonElement);
    const go = (i: number) => all[(i + all.length) % all.length]?.focus();
    if (e.key === 'ArrowDown') go(at + 1);
    else if (e.key === 'ArrowUp') go(at - 1);
    else if (e.key === 'Home') go(0);
    else if (e.key === 'End') go(all.length - 1);
    else if (e.key === 'Escape') close(true);
    else if (e.key === 'Tab') {
      setOpen(false);
      return;
    } else return;
    e.preventDefault();
  };

  if (items.length === 0) return null;
  return (
    <div class={`menu ${className ?? ''}`}>
      <button
        ref={button}
        type="button"
        class="icon"
        aria-label={label}
        title={label}
        aria-haspopup="menu"
        aria-expanded={open !== false}
        aria-controls={open ? id : undefined}
        onClick={() => setOpen(open ? false : 'first')}
        onKeyDown={onButtonKey}
      >
        {children}
      </button>
      {open ? (
        <ul id={id} ref={list} role="menu" aria-label={label} onKeyDown={onMenuKey}>
          {items.map((item) => (
            <li role="none" key={item.label}>
              <button
                type="button"
                role="menuitem"
                tabIndex={-1}
                class={item.danger ? 'danger' : undefined}
                onClick={() => {
                  close(true);
                  item.onSelect();
                }}
              >
                {item.label}
              </button>
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
