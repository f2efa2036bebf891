// A confirmation dialog for actions that change the cluster.
import { useState } from "preact/hooks";

export type Ask = (question: string, action: string) => Promise<boolean>;

export function useConfirm(): [Ask, preact.JSX.Element | null] {
  const [pending, setPending] = useState<{
    question: string;
    action: string;
    answer: (ok: boolean) => void;
  } | null>(null);
  const ask: Ask = (question, action) =>
    new Promise((answer) => setPending({ question, action, answer }));
  const close = (ok: boolean) => {
    pending?.answer(ok);
    setPending(null);
  };
  const dialog = pending ? (
    <div class="modal-back">
      <div class="modal" role="dialog" aria-modal="true" data-testid="confirm">
        <p data-testid="confirm-question">{pending.question}</p>
        <div class="actions">
          <button onClick={() => close(false)} data-testid="confirm-cancel">Cancel</button>
          <button onClick={() => close(true)} data-testid="confirm-ok">{pending.action}</button>
        </div>
      </div>
    </div>
  ) : null;
  return [ask, dialog];
}
