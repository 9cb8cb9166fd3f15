// Formats a moment as local "YYYY-MM-DD HH:MM" without Intl: initialising ICU costs a cold
// start tens of milliseconds, and the menu's first frame shows such a time.
export function clockTime(ms: number): string {
  const date = new Date(ms);
  const two = (value: number) => String(value).padStart(2, '0');
  return `${date.getFullYear()}-${two(date.getMonth() + 1)}-${two(date.getDate())} ${two(date.getHours())}:${two(date.getMinutes())}`;
}
