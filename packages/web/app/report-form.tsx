/** The in-place form that reports a message or a person: a labelled reason, then Report or Cancel. */
import type { ReportRequest } from '@parley/sdk';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { useStore } from './use-store.ts';

export function ReportForm({ what, report, onClose }: { what: string; report: Omit<ReportRequest, 'reason'>; onClose: () => void }) {
  const store = useStore();
  const id = useId();
  const [reason, setReason] = useState('');
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <form
      class="report-form"
      aria-label={`Report ${what}`}
      onSubmit={(e) => {
        e.preventDefault();
        setBusy(true);
        void store.moderation.report({ ...report, reason: reason.trim() }).then((ok) => {
          setBusy(false);
          if (ok) onClose();
        });
      }}
      onKeyDown={(e) => {
        if (e.key === 'Escape') onClose();
      }}
    >
      <label for={id}>Why report {what}?</label>
      <input id={id} ref={input} name="reason" required maxLength={500} value={reason} onInput={(e) => setReason(e.currentTarget.value)} />
      <span class="form-buttons">
        <button type="submit" class="danger" disabled={busy}>
          Report
        </button>
        <button type="button" class="secondary" onClick={onClose}>
          Cancel
        </button>
      </span>
    </form>
  );
}
