/**
 * Renders a Slack Block Kit message the way Slack lays it out, from the same JSON the service posts: header,
 * section (mrkdwn or plain text, fields, a button accessory), context, actions (buttons with their style and
 * confirm dialog), divider, image (as its alt text: nothing is fetched), input (label only). Unknown blocks show
 * their type. Text is rendered as React text (see mrkdwn.tsx), never as HTML.
 *
 * Buttons are live only when `onAction` is given (the Slack sandbox): a button with a `confirm` object first opens
 * its confirm dialog (title, text, confirm/deny labels, the confirm styled as the dialog's `style`), and only
 * "confirm" sends the action. Link buttons (`url`) are links. Without `onAction` (a preview) buttons are shown but
 * disabled.
 */
import { useEffect, useRef, useState, type ReactNode } from 'react';
import { Mrkdwn, safeHref } from './mrkdwn';
import { useModal } from '../a11y/useModal';
import './blockkit.css';

/** A click on a button, as the page needs it to send the interaction. */
export interface BlockAction {
  actionId: string;
  blockId: string;
  value?: string;
  /** The button's label. */
  text: string;
}

interface TextObject {
  type?: string;
  text?: string;
}

interface Confirm {
  title?: TextObject;
  text?: TextObject;
  confirm?: TextObject;
  deny?: TextObject;
  style?: string;
}

interface Element {
  type?: string;
  text?: TextObject;
  action_id?: string;
  value?: string;
  url?: string;
  style?: string;
  confirm?: Confirm;
  alt_text?: string;
}

interface Block {
  type?: string;
  block_id?: string;
  text?: TextObject;
  fields?: TextObject[];
  accessory?: Element;
  elements?: Array<Element & TextObject>;
  label?: TextObject;
  alt_text?: string;
  title?: TextObject;
}

export interface BlockKitProps {
  blocks: unknown[];
  /** Makes buttons live (called after a confirm dialog, if the button has one, is accepted). */
  onAction?: (action: BlockAction) => void | Promise<void>;
  /** Slack user id → name, for `<@U…>` mentions. */
  users?: Record<string, string>;
  /** Disables live buttons, e.g. while a click is on its way. */
  busy?: boolean;
}

function Text({ t, users }: { t: TextObject | undefined; users: Record<string, string> }): ReactNode {
  if (!t || typeof t.text !== 'string') return null;
  return t.type === 'mrkdwn' ? <Mrkdwn text={t.text} users={users} /> : <>{t.text}</>;
}

function ConfirmDialog(props: { confirm: Confirm; users: Record<string, string>; onConfirm: () => void; onDeny: () => void }) {
  const { confirm, users, onConfirm, onDeny } = props;
  const ok = useRef<HTMLButtonElement>(null);
  const box = useRef<HTMLDivElement>(null);
  // Focus stays in the dialog, Escape denies from anywhere, and the clicked button gets the focus back.
  useModal(box, onDeny);
  useEffect(() => ok.current?.focus(), []);
  const title = confirm.title?.text ?? 'Are you sure?';
  return (
    <div className="bk-overlay">
      <div ref={box} className="bk-dialog" role="dialog" aria-modal="true" aria-labelledby="bk-confirm-title" aria-describedby="bk-confirm-text">
        <h2 id="bk-confirm-title">{title}</h2>
        <div id="bk-confirm-text">
          <Text t={confirm.text} users={users} />
        </div>
        <div className="bk-dialog-buttons">
          <button type="button" className="bk-button" onClick={onDeny}>
            {confirm.deny?.text ?? 'Cancel'}
          </button>
          <button type="button" ref={ok} className={`bk-button bk-${confirm.style === 'danger' ? 'danger' : 'primary'}`} onClick={onConfirm}>
            {confirm.confirm?.text ?? 'Yes'}
          </button>
        </div>
      </div>
    </div>
  );
}

function Button(props: { el: Element; blockId: string; live: boolean; busy: boolean; onPress: (el: Element, blockId: string) => void }) {
  const { el, blockId, live, busy, onPress } = props;
  const label = el.text?.text ?? '';
  const cls = `bk-button${el.style === 'primary' || el.style === 'danger' ? ` bk-${el.style}` : ''}`;
  if (typeof el.url === 'string') {
    const href = safeHref(el.url);
    return href ? (
      <a className={cls} href={href} target="_blank" rel="noopener noreferrer">
        {label}
      </a>
    ) : (
      <span className={cls}>{label}</span>
    );
  }
  return (
    <button
      type="button"
      className={cls}
      disabled={!live || busy}
      title={live ? undefined : 'Preview: buttons work in Slack (or the Slack sandbox)'}
      data-action-id={el.action_id}
      onClick={() => onPress(el, blockId)}
    >
      {label}
    </button>
  );
}

/** The Block Kit message `blocks`, with live buttons when `onAction` is given. */
export default function BlockKit({ blocks, onAction, users = {}, busy = false }: BlockKitProps) {
  const [pending, setPending] = useState<{ el: Element; blockId: string } | null>(null);
  const live = onAction !== undefined;
  const send = (el: Element, blockId: string) => {
    void onAction?.({ actionId: el.action_id ?? '', blockId, text: el.text?.text ?? '', ...(el.value !== undefined ? { value: el.value } : {}) });
  };
  const press = (el: Element, blockId: string) => {
    if (el.confirm) setPending({ el, blockId });
    else send(el, blockId);
  };
  const list = (Array.isArray(blocks) ? blocks : []) as Block[];
  return (
    <div className="blockkit">
      {list.map((b, i) => {
        const key = b.block_id ?? String(i);
        const blockId = b.block_id ?? '';
        switch (b.type) {
          case 'header':
            return (
              <div key={key} className="bk-header" role="heading" aria-level={3}>
                {b.text?.text ?? ''}
              </div>
            );
          case 'section':
            return (
              <div key={key} className="bk-section">
                <div className="bk-section-body">
                  {b.text && (
                    <div className="bk-text">
                      <Text t={b.text} users={users} />
                    </div>
                  )}
                  {Array.isArray(b.fields) && b.fields.length > 0 && (
                    <div className="bk-fields">
                      {b.fields.map((f, j) => (
                        <div key={j} className="bk-field">
                          <Text t={f} users={users} />
                        </div>
                      ))}
                    </div>
                  )}
                </div>
                {b.accessory?.type === 'button' && (
                  <div className="bk-accessory">
                    <Button el={b.accessory} blockId={blockId} live={live} busy={busy} onPress={press} />
                  </div>
                )}
              </div>
            );
          case 'context':
            return (
              <div key={key} className="bk-context">
                {(b.elements ?? []).map((e, j) =>
                  e.type === 'image' ? (
                    <span key={j} className="bk-image-alt">[{e.alt_text ?? 'image'}]</span>
                  ) : (
                    <span key={j}>
                      <Text t={e} users={users} />
                    </span>
                  ),
                )}
              </div>
            );
          case 'actions':
            return (
              <div key={key} className="bk-actions" role="group" aria-label="Actions">
                {(b.elements ?? []).map((e, j) =>
                  e.type === 'button' ? (
                    <Button key={e.action_id ?? j} el={e} blockId={blockId} live={live} busy={busy} onPress={press} />
                  ) : (
                    <span key={j} className="bk-unsupported">[{e.type ?? 'element'}]</span>
                  ),
                )}
              </div>
            );
          case 'divider':
            return <hr key={key} className="bk-divider" />;
          case 'image':
            return (
              <div key={key} className="bk-image-alt">
                [image: {b.alt_text ?? b.title?.text ?? ''}]
              </div>
            );
          case 'input':
            return (
              <div key={key} className="bk-input-label">
                {b.label?.text ?? ''}
              </div>
            );
          default:
            return (
              <div key={key} className="bk-unsupported">
                [{b.type ?? 'block'} block]
              </div>
            );
        }
      })}
      {pending && pending.el.confirm && (
        <ConfirmDialog
          confirm={pending.el.confirm}
          users={users}
          onDeny={() => setPending(null)}
          onConfirm={() => {
            const p = pending;
            setPending(null);
            send(p.el, p.blockId);
          }}
        />
      )}
    </div>
  );
}
