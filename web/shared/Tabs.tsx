// Tabs as links (each tab has its own URL, so a reload stays on it), with the tab pattern's roles
// and arrow-key movement between tabs.
import type { KeyboardEvent, ReactNode } from 'react';

interface Tab {
  key: string;
  label: string;
  href: string;
}

export function Tabs({
  label,
  tabs,
  current,
  children,
}: {
  label: string;
  tabs: Tab[];
  current: string;
  children: ReactNode;
}) {
  const onKey = (e: KeyboardEvent<HTMLDivElement>) => {
    if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
    const links = [...e.currentTarget.querySelectorAll<HTMLAnchorElement>('[role="tab"]')];
    const at = links.indexOf(document.activeElement as HTMLAnchorElement);
    const next = links[(at + (e.key === 'ArrowRight' ? 1 : links.length - 1)) % links.length];
    next?.focus();
    e.preventDefault();
  };
  return (
    <>
      <div className="tabs" role="tablist" aria-label={label} onKeyDown={onKey}>
        {tabs.map((tab) => (
          <a
            key={tab.key}
            role="tab"
            id={`tab-${tab.key}`}
            href={tab.href}
            aria-selected={tab.key === current}
            aria-controls="tab-panel"
            tabIndex={tab.key === current ? 0 : -1}
          >
            {tab.label}
          </a>
        ))}
      </div>
      <div id="tab-panel" role="tabpanel" aria-labelledby={`tab-${current}`}>
        {children}
      </div>
    </>
  );
}
